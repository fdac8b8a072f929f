// Docker for integration tests: the engine on the local socket, the images the
// tests run (built locally by scripts/build-images.sh, never pulled), and
// clean-up of everything a test's node created. Each test file uses its own
// node name, so files never see or remove each other's containers.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { LABEL_NODE, LABEL_TYPE } from '../../kubelet/runtime/interface.js';

export const BUSYBOX_IMAGE = 'skiff/busybox:latest';
export const PAUSE_IMAGE = 'skiff/pause:latest';
export const ECHO_IMAGE = 'skiff/echo:latest';

export const DOCKER_SOCKET = '/var/run/docker.sock';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A client on the local engine; throws a one-line error when the engine does not answer. */
export async function requireDocker(): Promise<Docker> {
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  try {
    await docker.ping();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Docker engine not reachable at ${DOCKER_SOCKET} (${why}): start dockerd and run the tests again`);
  }
  return docker;
}

let imagesBuilt: Promise<void> | undefined;

/** Builds (or finds up to date) the test images; the script runs at most once per process. */
export function ensureTestImages(): Promise<void> {
  imagesBuilt ??= new Promise<void>((resolve, reject) => {
    execFile(
      'bash',
      [join(repoRoot, 'scripts', 'build-images.sh')],
      { cwd: repoRoot, timeout: 300_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`scripts/build-images.sh failed: ${stderr.trim() || err.message}`));
        else resolve();
      },
    );
  });
  return imagesBuilt;
}

/** A node name no other test file (or earlier run) uses. */
export function uniqueNodeName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Force-removes every container (sandboxes included) labelled as belonging to `nodeName`. */
export async function removeContainersOfNode(docker: Docker, nodeName: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE}=${nodeName}`] } });
  const remove = async (c: Docker.ContainerInfo): Promise<void> => {
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    } catch (err) {
      // already gone, or already being removed, is the outcome we wanted
      if (!isGone(err)) throw err;
    }
  };
  // app containers before the sandboxes whose namespaces they joined
  const isSandbox = (c: Docker.ContainerInfo): boolean => c.Labels[LABEL_TYPE] === 'sandbox';
  await Promise.all(containers.filter((c) => !isSandbox(c)).map(remove));
  await Promise.all(containers.filter(isSandbox).map(remove));
}

function isGone(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'statusCode' in err && (err.statusCode === 404 || err.statusCode === 409);
}
