// hostPath volume type checks (hostpath.checkType): the "OrCreate" types make
// what is missing, the others only verify, with Kubernetes' messages.
import type { Stats } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  const fail = (what: string): never => {
    throw new Error(`hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type ?? '') {
    case '':
      return;
    case 'DirectoryOrCreate': {
      const st = await statOrUndefined(path);
      if (!st) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st.isDirectory()) fail('a directory');
      return;
    }
    case 'Directory':
      if (!(await statOrUndefined(path))?.isDirectory()) fail('a directory');
      return;
    case 'FileOrCreate': {
      const st = await statOrUndefined(path);
      if (!st) {
        // Like Kubernetes, the parent directory must already exist.
        await (await open(path, 'a', 0o644)).close();
        return;
      }
      if (!st.isFile()) fail('a file');
      return;
    }
    case 'File':
      if (!(await statOrUndefined(path))?.isFile()) fail('a file');
      return;
    case 'Socket':
      if (!(await statOrUndefined(path))?.isSocket()) fail('a socket file');
      return;
    case 'CharDevice':
      if (!(await statOrUndefined(path))?.isCharacterDevice()) fail('a character device');
      return;
    case 'BlockDevice':
      if (!(await statOrUndefined(path))?.isBlockDevice()) fail('a block device');
      return;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}
