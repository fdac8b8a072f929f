// kubectl describe namespace: status and conditions. Skiff serves neither
// ResourceQuotas nor LimitRanges, and kubectl leaves out both sections when
// the server answers that it has no such resource.
import type { Namespace } from '../../api/core/v1.js';
import { printAnnotationsMultiline, printLabelsMultiline } from './multiline.js';
import { rfc1123z } from './time.js';
import { LEVEL_0, LEVEL_1, tabbedString } from './writer.js';

export function describeNamespace(ns: Namespace): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${ns.metadata.name ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', ns.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ns.metadata.annotations);
    w.write(LEVEL_0, `Status:\t${ns.status?.phase ?? ''}\n`);
    const conditions = ns.status?.conditions ?? [];
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n');
      w.write(LEVEL_1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t------------------\t------\t-------\n');
      for (const c of conditions) {
        w.write(LEVEL_1, `${c.type}\t${c.status}\t${rfc1123z(c.lastTransitionTime)}\t${c.reason ?? ''}\t${c.message ?? ''}\n`);
      }
    }
  });
}
