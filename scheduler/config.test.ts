import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSchedulerConfig, schedulerConfigFrom } from './config.js';

describe('scheduler configuration', () => {
  it('defaults to one default-scheduler profile with Kubernetes\' plugins and weights', () => {
    const c = schedulerConfigFrom(undefined);
    expect(c.profiles.map((p) => p.schedulerName)).toEqual(['default-scheduler']);
    const p = c.profiles[0]!.plugins;
    expect(p.points.filter).toEqual([
      'NodeUnschedulable',
      'NodeName',
      'TaintToleration',
      'NodeReady',
      'NodeAffinity',
      'NodePorts',
      'NodeResourcesFit',
      'PodTopologySpread',
      'InterPodAffinity',
    ]);
    expect(p.points.score).toEqual(['TaintToleration', 'NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'NodeResourcesBalancedAllocation', 'SelectorSpread']);
    expect(p.weights).toMatchObject({ TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, PodTopologySpread: 2, InterPodAffinity: 2 });
    expect(p.points.postFilter).toEqual(['DefaultPreemption']);
    expect(p.points.bind).toEqual(['DefaultBinder']);
    expect(c.percentageOfNodesToScore).toBe(0);
    expect([c.podInitialBackoffMs, c.podMaxBackoffMs]).toEqual([1000, 10_000]);
    expect(c.leaderElection).toMatchObject({ leaderElect: true, resourceNamespace: 'kube-system', resourceName: 'skiff-scheduler', leaseDurationSeconds: 15 });
  });

  it('reads a KubeSchedulerConfiguration file: profiles, weights, disabled plugins and args', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sched-config-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
leaderElection:
  leaderElect: false
  leaseDuration: 1m30s
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  percentageOfNodesToScore: 100
  plugins:
    score:
      disabled:
      - name: NodeResourcesBalancedAllocation
      enabled:
      - name: NodeResourcesFit
        weight: 5
    postFilter:
      disabled:
      - name: '*'
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources:
        - name: cpu
          weight: 2
`,
    );
    const c = loadSchedulerConfig(file);
    expect(c.percentageOfNodesToScore).toBe(30);
    expect(c.leaderElection.leaderElect).toBe(false);
    expect(c.leaderElection.leaseDurationSeconds).toBe(90);
    const packer = c.profiles[1]!;
    expect(packer.percentageOfNodesToScore).toBe(100);
    expect(packer.plugins.points.score).not.toContain('NodeResourcesBalancedAllocation');
    expect(packer.plugins.weights.NodeResourcesFit).toBe(5);
    expect(packer.plugins.points.postFilter).toEqual([]);
    expect(packer.plugins.args.NodeResourcesFit).toEqual({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 2 }] } });
  });

  it('rejects unknown plugins, bad args and duplicate profiles with a clear message', () => {
    expect(() => schedulerConfigFrom({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] })).toThrow(
      'profiles[0].plugins.filter.enabled: unknown plugin "Nope"',
    );
    expect(() => schedulerConfigFrom({ profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'Random' } } }] }] })).toThrow(ConfigError);
    expect(() => schedulerConfigFrom({ profiles: [{}, {}] })).toThrow('duplicate schedulerName "default-scheduler"');
    expect(() => schedulerConfigFrom({ percentageOfNodesToScore: 150 })).toThrow(ConfigError);
    expect(() => schedulerConfigFrom({ profiles: [{ plugins: { bind: { disabled: [{ name: '*' }] } } }] })).toThrow('at least one bind plugin');
  });
});
