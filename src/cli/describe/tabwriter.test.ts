import { describe, expect, it } from 'vitest';
import { formatTabbed } from './tabwriter.js';

describe('formatTabbed (Go text/tabwriter, padding 2)', () => {
  it('aligns a column over consecutive lines that have a cell in it', () => {
    const out = formatTabbed('Name:\tweb\nNamespace:\tdefault\nLabels:\tapp=web\n\ttier=front\n');
    expect(out).toBe(['Name:       web', 'Namespace:  default', 'Labels:     app=web', '            tier=front', ''].join('\n'));
  });

  it('starts a new column block after a line without a tab', () => {
    const out = formatTabbed('Containers:\n  web:\n    Image:\tbusybox\n    Restart Count:\t0\nConditions:\n  Type\tStatus\n');
    expect(out).toBe(
      ['Containers:', '  web:', '    Image:          busybox', '    Restart Count:  0', 'Conditions:', '  Type  Status', ''].join('\n'),
    );
  });

  it('never pads the text after the last tab, and aligns nested columns per block', () => {
    const out = formatTabbed('  Type\tReason\tAge\n  ----\t------\t---\n  Normal\tScalingReplicaSet\t2m\n');
    expect(out).toBe(['  Type    Reason             Age', '  ----    ------             ---', '  Normal  ScalingReplicaSet  2m', ''].join('\n'));
  });

  it('keeps a final line without newline', () => {
    expect(formatTabbed('a\tb\nlonger\tc')).toBe('a       b\nlonger  c');
  });
});
