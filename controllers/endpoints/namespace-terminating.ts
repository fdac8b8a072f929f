// Recognising the apiserver's refusal to create objects in a namespace that
// is being deleted: controllers drop such work instead of retrying it.
import { isForbidden } from '../../src/client/index.js';

export function isNamespaceTerminating(err: unknown): boolean {
  if (!isForbidden(err) || typeof err !== 'object' || err === null) return false;
  const e = err as { message?: unknown; details?: { causes?: { reason?: string }[] } };
  if ((e.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating')) return true;
  return typeof e.message === 'string' && e.message.includes('because it is being terminated');
}
