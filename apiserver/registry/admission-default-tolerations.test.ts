import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/core/v1.js';
import { admitDefaultTolerationSeconds } from './admission-default-tolerations.js';

const pod = (tolerations?: Pod['spec']['tolerations']): Pod => ({ metadata: { name: 'p' }, spec: { containers: [], ...(tolerations ? { tolerations } : {}) } });

describe('DefaultTolerationSeconds admission', () => {
  it('adds 300-second tolerations for the not-ready and unreachable NoExecute taints', () => {
    const p = pod([{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }]);
    admitDefaultTolerationSeconds(p);
    expect(p.spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });

  it('keeps a toleration the pod has for either taint, including a wildcard one, and uses the configured seconds', () => {
    const own = pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]);
    admitDefaultTolerationSeconds(own, { notReadySeconds: 60 });
    expect(own.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
    ]);
    const all = pod([{ operator: 'Exists' }]);
    admitDefaultTolerationSeconds(all);
    expect(all.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });
});
