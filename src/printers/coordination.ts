// `kubectl get leases`: who holds each lease.
import { age } from './duration.js';
import { ageColumn, col, nameColumn, rec, str } from './cells.js';
import type { Printer } from './columns.js';

export const leases: Printer = {
  columns: [
    nameColumn,
    col(
      'Holder',
      'string',
      'holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.',
    ),
    ageColumn,
  ],
  row: (lease, now) => [lease.metadata.name, str(rec(lease.spec).holderIdentity), age(lease.metadata.creationTimestamp, now)],
};
