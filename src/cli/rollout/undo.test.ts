import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../../api/apps/v1.js';
import type { PodTemplateSpec } from '../../api/core/v1.js';
import type { ControllerRevision } from '../../api/apps/v1.js';
import { planRevisionRollback, planRollback } from './undo.js';

const template = (image: string, hash?: string): PodTemplateSpec => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'web', image }] },
});

const rs = (revision: string, image: string, hash: string, annotations: Record<string, string> = {}): ReplicaSet => ({
  metadata: { name: `web-${hash}`, annotations: { 'deployment.kubernetes.io/revision': revision, ...annotations } },
  spec: { replicas: 0, template: template(image, hash) },
});

const deployment = (image: string, paused = false): Deployment => ({
  metadata: {
    name: 'web',
    annotations: { 'deployment.kubernetes.io/revision': '3', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'kubernetes.io/change-cause': 'v3' },
  },
  spec: { replicas: 2, template: template(image), paused },
});

const history = [rs('1', 'echo:1', 'aaa', { 'kubernetes.io/change-cause': 'v1' }), rs('2', 'echo:2', 'bbb'), rs('3', 'echo:3', 'ccc')];

describe('rollout undo plans', () => {
  it('goes back to the revision before the latest: its template without the hash label, its annotations', () => {
    const plan = planRollback(deployment('echo:3'), history, 0);
    expect(plan).toEqual({
      revision: 2,
      patch: [
        { op: 'replace', path: '/spec/template', value: template('echo:2') },
        {
          op: 'replace',
          path: '/metadata/annotations',
          value: { 'deployment.kubernetes.io/revision': '3', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
      ],
    });
  });

  it('takes the change cause of the revision rolled back to', () => {
    const plan = planRollback(deployment('echo:3'), history, 1);
    expect('patch' in plan && plan.patch[1]!.value).toEqual({
      'deployment.kubernetes.io/revision': '3',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'kubernetes.io/change-cause': 'v1',
    });
  });

  it('skips a rollback to the template already running', () => {
    expect(planRollback(deployment('echo:2'), history, 2)).toEqual({ skipped: 'skipped rollback (current template already matches revision 2)' });
  });

  it('refuses unknown revisions, paused deployments and a history of one', () => {
    expect(() => planRollback(deployment('echo:3'), history, 7)).toThrow('unable to find specified revision 7 in history');
    expect(() => planRollback(deployment('echo:3', true), history, 1)).toThrow(
      "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
    );
    expect(() => planRollback(deployment('echo:3'), [history[2]!], 0)).toThrow('no rollout history found for deployment "web"');
  });
});

describe('rollout undo plans for DaemonSets and StatefulSets', () => {
  const cr = (revision: number, image: string): ControllerRevision => ({
    metadata: { name: `agent-${revision}` },
    revision,
    data: { spec: { template: { ...template(image), $patch: 'replace' } } },
  });
  const revisions = [cr(3, 'a:3'), cr(1, 'a:1'), cr(2, 'a:2')];

  it("patches with the data of the revision before the latest, or of the one asked for", () => {
    expect(planRevisionRollback(template('a:3'), revisions, 0)).toEqual({ patch: revisions[2]!.data });
    expect(planRevisionRollback(template('a:3'), revisions, 1)).toEqual({ patch: revisions[1]!.data });
  });

  it('skips the running template and refuses what is not there', () => {
    expect(planRevisionRollback(template('a:2'), revisions, 2)).toEqual({ skipped: 'skipped rollback (current template already matches revision 2)' });
    expect(() => planRevisionRollback(template('a:3'), [revisions[0]!], 0)).toThrow('no last revision to roll back to');
    expect(() => planRevisionRollback(template('a:3'), revisions, 8)).toThrow('unable to find specified revision 8 in history');
  });
});
