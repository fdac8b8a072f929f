// `kubectl get poddisruptionbudgets`: each budget and how many pods it lets go now.
import { age } from './duration.js';
import { ageColumn, col, int, nameColumn, rec } from './cells.js';
import type { Printer } from './columns.js';

/** intstr's String(): the number or the percentage as written; "N/A" when the field is unset. */
const intOrString = (v: unknown): string => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : 'N/A');

export const poddisruptionbudgets: Printer = {
  columns: [
    nameColumn,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn,
  ],
  row: (pdb, now) => {
    const spec = rec(pdb.spec);
    return [pdb.metadata.name, intOrString(spec.minAvailable), intOrString(spec.maxUnavailable), int(rec(pdb.status).disruptionsAllowed), age(pdb.metadata.creationTimestamp, now)];
  },
};
