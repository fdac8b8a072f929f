// Kubernetes' AtomicWriter: a volume's files live in a timestamped directory
// and `..data` is a symlink to it, swapped with a rename, so a process inside
// the container sees either the whole old set of files or the whole new one.
// The names users see (`key -> ..data/key`) never change.
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';

export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** relative file path inside the volume -> content and mode */
export type Payload = Map<string, FileProjection>;

export const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

const isNotFound = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** validatePath: relative, no `..` element, not starting with `..` (the writer's own names). */
function cleanPath(p: string): string {
  if (p === '') throw new Error('invalid path: must not be empty');
  if (p.startsWith('/')) throw new Error(`invalid path: must be relative path: ${p}`);
  if (p.split('/').includes('..')) throw new Error(`invalid path: must not contain '..': ${p}`);
  if (p.startsWith('..')) throw new Error(`invalid path: must not start with '..': ${p}`);
  return posix.normalize(p);
}

function timestampName(now: Date): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

async function sameContents(payload: Payload, dir: string): Promise<boolean> {
  const existing = await listFiles(dir);
  if (existing.length !== payload.size || existing.some((p) => !payload.has(p))) return false;
  for (const [p, file] of payload) {
    const full = join(dir, p);
    const st = await stat(full);
    if ((st.mode & 0o7777) !== (file.mode & 0o7777)) return false;
    if (!(await readFile(full)).equals(file.data)) return false;
  }
  return true;
}

const topLevel = (paths: Iterable<string>): Set<string> => new Set([...paths].map((p) => p.split('/')[0]!));

/**
 * Makes `targetDir` hold exactly `payload`. Returns false when it already
 * did (nothing is touched then), true when files were written.
 */
export async function writeAtomic(targetDir: string, payload: Payload, now: Date = new Date()): Promise<boolean> {
  const clean: Payload = new Map();
  for (const [p, file] of payload) clean.set(cleanPath(p), file);

  await mkdir(targetDir, { recursive: true });
  const dataDir = join(targetDir, DATA_DIR);
  let oldTsName: string | undefined;
  try {
    oldTsName = await readlink(dataDir);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  let oldPaths: string[] = [];
  if (oldTsName !== undefined) {
    const oldTsDir = join(targetDir, oldTsName);
    oldPaths = await listFiles(oldTsDir).catch((e: unknown) => (isNotFound(e) ? [] : Promise.reject(e)));
    if (await sameContents(clean, oldTsDir).catch(() => false)) return false;
  }

  const tsDir = await mkdtemp(join(targetDir, timestampName(now)));
  // Group and others must be able to walk to the files whatever user the container runs as.
  await chmod(tsDir, 0o755);
  for (const [p, file] of clean) {
    const full = join(tsDir, p);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, file.data, { mode: file.mode });
    await chmod(full, file.mode);
  }

  const tmpLink = join(targetDir, DATA_DIR_TMP);
  await rm(tmpLink, { force: true });
  await symlink(basename(tsDir), tmpLink);

  const newTop = topLevel(clean.keys());
  for (const name of newTop) {
    const visible = join(targetDir, name);
    try {
      await lstat(visible);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await symlink(join(DATA_DIR, name), visible);
    }
  }

  await rename(tmpLink, dataDir);

  for (const name of topLevel(oldPaths)) {
    if (!newTop.has(name)) await unlink(join(targetDir, name)).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  }
  if (oldTsName !== undefined && oldTsName !== basename(tsDir)) await rm(join(targetDir, oldTsName), { recursive: true, force: true });
  return true;
}
