import { describe, expect, it } from 'vitest';
import type { ControllerRevision, ReplicaSet } from '../../api/apps/v1.js';
import { controllerRevisions, deploymentRevisions, historyOutput, viewHistory } from './history.js';

const rs = (revision: string | undefined, image: string, changeCause?: string): ReplicaSet => ({
  metadata: {
    name: `web-${image}`,
    annotations: {
      ...(revision ? { 'deployment.kubernetes.io/revision': revision } : {}),
      ...(changeCause ? { 'kubernetes.io/change-cause': changeCause } : {}),
    },
  },
  spec: {
    template: { metadata: { labels: { app: 'web', 'pod-template-hash': image } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
  },
});

describe('rollout history', () => {
  it('lists revisions in order with their change causes, <none> where none was recorded', () => {
    const revisions = deploymentRevisions([rs('10', 'c', 'kubectl set image deployment/web web=c'), rs('2', 'b'), rs(undefined, 'x')]);
    expect(historyOutput('deployment.apps/web', 0, viewHistory(revisions, 0))).toBe(
      'deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n10        kubectl set image deployment/web web=c\n\n',
    );
  });

  it("prints one revision's pod template with raw tabs, as kubectl does", () => {
    const revisions = deploymentRevisions([rs('1', 'a'), rs('2', 'b')]);
    expect(historyOutput('deployment.apps/web', 2, viewHistory(revisions, 2))).toBe(
      [
        'deployment.apps/web with revision #2',
        'Pod Template:',
        '  Labels:\tapp=web',
        '\tpod-template-hash=b',
        '  Containers:',
        '   web:',
        '    Image:\tb',
        '    Port:\t80/TCP',
        '    Host Port:\t0/TCP',
        '    Environment:\t<none>',
        '    Mounts:\t<none>',
        '  Volumes:\t<none>',
        '  Node-Selectors:\t<none>',
        '  Tolerations:\t<none>',
        '',
        '',
      ].join('\n'),
    );
  });

  it('reports a missing revision and an empty history', () => {
    expect(() => viewHistory(deploymentRevisions([rs('1', 'a')]), 5)).toThrow('unable to find the specified revision');
    expect(viewHistory(new Map(), 0)).toBe('No rollout history found.');
  });

  it("reads a DaemonSet's revisions from its ControllerRevisions", () => {
    const cr = (revision: number, image: string): ControllerRevision => ({
      metadata: { name: `agent-${revision}` },
      revision,
      data: { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'agent', image }] } } } },
    });
    const revisions = controllerRevisions([cr(1, 'a:1'), cr(2, 'a:2')]);
    expect(viewHistory(revisions, 0)).toBe('REVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n');
    expect(viewHistory(revisions, 2)).toContain('    Image:\ta:2\n');
  });
});
