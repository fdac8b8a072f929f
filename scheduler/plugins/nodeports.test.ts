import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.js';
import { PodInfo } from '../nodeinfo.js';
import { makeNode, makePod, nodeInfo } from '../testing/fixtures.js';
import { NodePorts } from './nodeports.js';

describe('NodePorts', () => {
  const pl = new NodePorts();
  const node = nodeInfo(makeNode('n'), [makePod('web', { nodeName: 'n', hostPorts: [80] })]);

  it('rejects a pod wanting a host port already taken on the node', () => {
    const s = pl.filter(new CycleState(), new PodInfo(makePod('p', { hostPorts: [80] })), node);
    expect(s.code).toBe('Unschedulable');
    expect(s.reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(pl.filter(new CycleState(), new PodInfo(makePod('p', { hostPorts: [81] })), node).isSuccess()).toBe(true);
  });

  it('lets the same port on another protocol or host IP through, but not on 0.0.0.0', () => {
    const udp = makePod('u');
    udp.spec.containers[0]!.ports = [{ containerPort: 80, hostPort: 80, protocol: 'UDP' }];
    expect(pl.filter(new CycleState(), new PodInfo(udp), node).isSuccess()).toBe(true);
    const pinned = nodeInfo(makeNode('m'), [{ ...makePod('a', { nodeName: 'm' }), spec: { ...makePod('a').spec, nodeName: 'm', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }] }] } }]);
    const other = makePod('b');
    other.spec.containers[0]!.ports = [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.2' }];
    expect(pl.filter(new CycleState(), new PodInfo(other), pinned).isSuccess()).toBe(true);
    expect(pl.filter(new CycleState(), new PodInfo(makePod('c', { hostPorts: [80] })), pinned).isSuccess()).toBe(false);
  });

  it('skips pods without host ports', () => {
    expect(pl.preFilter(new CycleState(), new PodInfo(makePod('p'))).isSkip()).toBe(true);
  });
});
