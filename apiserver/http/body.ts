// Request bodies: JSON or YAML objects, and the four patch types. Every
// failure is a 4xx Status with a message that says what was wrong.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { errors } from '../../src/api/status.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decode a body of the given media type into a JSON value. */
export function decodeBody(raw: string, type: string): unknown {
  if (raw.trim() === '') throw errors.badRequest('the body of the request was empty');
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml') {
    try {
      return parseYaml(raw, { strict: true, uniqueKeys: false });
    } catch (err) {
      const msg = err instanceof YAMLParseError ? err.message.split('\n')[0] : String(err);
      throw errors.badRequest(`error converting YAML to JSON: yaml: ${msg}`);
    }
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
