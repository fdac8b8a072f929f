// Quantity helpers for core/v1 defaulting and validation, on top of the
// machinery's resource.Quantity.
import { parseQuantity, type Quantity } from '../../machinery/quantity.js';

export type { Quantity };

export type ParsedQuantity = { ok: true; quantity: Quantity } | { ok: false; message: string };

/** Parses a quantity, keeping the parser's message (Kubernetes' own) on failure. */
export function parseQuantityResult(s: string): ParsedQuantity {
  try {
    return { ok: true, quantity: parseQuantity(s) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

export function tryParseQuantity(s: string): Quantity | undefined {
  const r = parseQuantityResult(s);
  return r.ok ? r.quantity : undefined;
}

/**
 * Kubernetes re-serializes quantities in canonical form ("1000m" is stored as
 * "1", "0.5" as "500m"); invalid strings are left for validation to report.
 */
export function canonicalQuantity(s: string): string {
  return tryParseQuantity(s)?.toString() ?? s;
}

export function canonicalizeResourceList(list: Record<string, string> | undefined): void {
  if (!list) return;
  for (const [k, v] of Object.entries(list)) list[k] = canonicalQuantity(v);
}

export const ZERO_QUANTITY = parseQuantity('0');
