// Bearer-token authentication from a static token file in Kubernetes'
// format: one "token,user,uid[,\"group1,group2\"]" per line.
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';

export interface UserInfo {
  name: string;
  uid: string;
  groups: string[];
}

/** Split one CSV line, honouring double quotes (RFC 4180 style, "" escapes a quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new Error('unterminated quoted field');
  out.push(cur);
  return out.map((s) => s.trim());
}

export class TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();

  static fromFile(path: string): TokenAuthenticator {
    return TokenAuthenticator.fromCsv(readFileSync(path, 'utf8'), path);
  }

  static fromCsv(text: string, source = 'token file'): TokenAuthenticator {
    const a = new TokenAuthenticator();
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      let fields: string[];
      try {
        fields = splitCsvLine(line);
      } catch (err) {
        throw new Error(`${source}:${i + 1}: ${(err as Error).message}`);
      }
      if (fields.length < 3 || !fields[0] || !fields[1]) {
        throw new Error(`${source}:${i + 1}: expected at least 3 fields (token,user,uid), found ${fields.length}`);
      }
      const [token, name, uid, groups] = fields as [string, string, string, string | undefined];
      if (a.tokens.has(token)) throw new Error(`${source}:${i + 1}: duplicate token`);
      a.tokens.set(token, {
        name,
        uid,
        groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [],
      });
    });
    return a;
  }

  get size(): number {
    return this.tokens.size;
  }

  /** the user for an Authorization header, or undefined when it carries no known token */
  authenticate(authorization: string | undefined): UserInfo | undefined {
    if (!authorization) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return undefined;
    const presented = Buffer.from(m[1]!);
    for (const [token, user] of this.tokens) {
      const t = Buffer.from(token);
      if (t.length === presented.length && timingSafeEqual(t, presented)) {
        return { ...user, groups: [...user.groups, 'system:authenticated'] };
      }
    }
    return undefined;
  }
}
