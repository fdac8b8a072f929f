// List continuation tokens in Kubernetes' format: base64 of
// {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after prefix>\u0000"}.
import { errors } from '../../src/api/status.js';

interface Token {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, lastKey: string, prefix: string): string {
  const tok: Token = { v: 'meta.k8s.io/v1', rv, start: lastKey.slice(prefix.length) + '\u0000' };
  return Buffer.from(JSON.stringify(tok)).toString('base64url');
}

export function decodeContinue(token: string, prefix: string): { rv: number; startAfter: string } {
  let tok: Partial<Token>;
  try {
    tok = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (tok.v !== 'meta.k8s.io/v1') throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof tok.rv !== 'number' || tok.rv <= 0) throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof tok.start !== 'string' || tok.start.includes('/..') || tok.start.startsWith('/')) {
    throw errors.badRequest('continue key is not valid: path traversal');
  }
  const start = tok.start.endsWith('\u0000') ? tok.start.slice(0, -1) : tok.start;
  return { rv: tok.rv, startAfter: prefix + start };
}
