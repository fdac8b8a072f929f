// Real kubectl, and the built `skiff` CLI, reading logs and running commands
// in a container on the Docker runtime, through a real apiserver and the
// kubelet's server. The apiserver runs in this process, so the clients always
// run asynchronously.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import { findResource } from '../src/api/resources.js';
import type { ResourceClient } from '../src/client/rest.js';
import type { DockerRuntime } from '../kubelet/runtime/docker.js';
import type { TestApiServer } from './harness/apiserver.js';
import { BUSYBOX_IMAGE } from './harness/docker.js';
import { startKubeletNode, type KubeletNode } from './harness/kubelet-node.js';

const KUBECTL = '/usr/bin/kubectl';
const TMUX = '/usr/bin/tmux';
const SKIFF = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');

let k: KubeletNode;
let api: TestApiServer;
let runtime: DockerRuntime;
let podsApi: ResourceClient<Pod>;
/** container ids by pod name */
const containers = new Map<string, string>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client to its end; never throws for a non-zero exit. */
function run(file: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

const kubectl = (...args: string[]) => run(KUBECTL, ['--kubeconfig', api.kubeconfig, ...args]);
const skiff = (...args: string[]) => run(process.execPath, [SKIFF, '--kubeconfig', api.kubeconfig, ...args]);
const skiffWithInput = (input: string, ...args: string[]) => run(process.execPath, [SKIFF, '--kubeconfig', api.kubeconfig, ...args], input);

/**
 * Starts `logs -f` on a pod of its own, writes a line into its container once
 * the old ones arrived, and returns what it printed up to the new line.
 */
async function followUntilNewLine(pod: string, file: string, args: string[], line: string): Promise<string> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let wrote = false;
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${line}" from ${args.join(' ')}; got ${JSON.stringify(out)} ${err}`)), 30_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (!wrote && out.includes('three\n')) {
          wrote = true;
          void runtime.execSync(containers.get(pod)!, ['sh', '-c', `echo ${line} > /proc/1/fd/1`], 10_000);
        }
        if (out.includes(`${line}\n`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ')} ended early (${code}): ${err}`));
      });
    });
  } finally {
    child.kill('SIGTERM');
    await closed;
  }
  return out;
}

/** Runs `command` in a tmux window of 90x25 and drives it: a terminal as a user has one. */
async function inTerminal(command: string[], steps: (screen: (until: RegExp) => Promise<string>, tmux: (...a: string[]) => Promise<Run>) => Promise<void>) {
  const session = `skiff-exec-${process.pid}`;
  const tmux = (...a: string[]) => run(TMUX, a);
  const quoted = command.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  await tmux('new-session', '-d', '-s', session, '-x', '90', '-y', '25', `${quoted}; echo EXIT=$?; sleep 60`);
  const screen = async (until: RegExp) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = (await tmux('capture-pane', '-p', '-t', session)).stdout;
      if (until.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${until}:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await steps(screen, (...a) => tmux(a[0]!, ...(a[0] === 'send-keys' || a[0] === 'resize-window' ? ['-t', session] : []), ...a.slice(1)));
  } finally {
    await tmux('kill-session', '-t', session);
  }
}

function createPod(name: string, labels: Record<string, string> = {}): Promise<Pod> {
  return k.createPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: k.name, containers: [{ name: 'app', image: BUSYBOX_IMAGE }] },
  } as unknown as Pod);
}

async function runContainer(pod: Pod, command: string[]): Promise<string> {
  return (await k.runContainers(pod, [{ name: 'app', command }]))[0]!;
}

beforeAll(async () => {
  if (!existsSync(SKIFF)) throw new Error(`${SKIFF} is missing: run npm run build first`);
  k = await startKubeletNode('logs-exec');
  ({ api, runtime, podsApi } = k);
  const web = await createPod('web', { app: 'web' });
  const threeLines = ['sh', '-c', 'echo one; echo two; echo three; exec sleep 3600'];
  containers.set('web', await runContainer(web, threeLines));
  for (const name of ['follow-kubectl', 'follow-skiff']) containers.set(name, await runContainer(await createPod(name), threeLines));
  await api.client.resource(findResource('apps', 'v1', 'deployments')!).create('default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: BUSYBOX_IMAGE }] } },
    },
  } as never);
  for (let i = 0; i < 100 && !(await kubectl('logs', 'web')).stdout.includes('three'); i++) await new Promise((r) => setTimeout(r, 100));
}, 300_000);

afterAll(async () => {
  await k?.stop();
});

describe('kubectl', () => {
  it('kubectl logs prints the container output, and --tail its last lines', async () => {
    expect(await kubectl('logs', 'web')).toEqual({ code: 0, stdout: 'one\ntwo\nthree\n', stderr: '' });
    expect((await kubectl('logs', 'web', '--tail=1')).stdout).toBe('three\n');
    expect((await kubectl('logs', 'deployment/web')).stdout).toBe('one\ntwo\nthree\n');
  });

  it('kubectl logs -f keeps printing lines as the container writes them', async () => {
    const out = await followUntilNewLine('follow-kubectl', KUBECTL, ['--kubeconfig', api.kubeconfig, 'logs', '-f', 'follow-kubectl'], 'kubectl-follows');
    expect(out).toBe('one\ntwo\nthree\nkubectl-follows\n');
  });

  it('kubectl exec runs the command, keeps stdout and stderr apart, and exits with its code', async () => {
    const r = await kubectl('exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\ncommand terminated with exit code 3\n');
    expect(await kubectl('exec', 'web', '--', 'sh', '-c', 'echo fine')).toEqual({ code: 0, stdout: 'fine\n', stderr: '' });
  });

  it('kubectl exec -i passes stdin and ends it', async () => {
    const r = await run(KUBECTL, ['--kubeconfig', api.kubeconfig, 'exec', '-i', 'web', '--', 'tr', 'a-z', 'A-Z'], 'shout\n');
    expect(r).toEqual({ code: 0, stdout: 'SHOUT\n', stderr: '' });
  });

  it('kubectl exec where it cannot run fails with the messages Kubernetes gives', async () => {
    const r = await kubectl('exec', 'web', '-c', 'nope', '--', 'true');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container nope is not valid for pod web');
    await podsApi.create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'unscheduled' },
      spec: { containers: [{ name: 'app', image: BUSYBOX_IMAGE }] },
    } as unknown as Pod);
    const unscheduled = await kubectl('exec', 'unscheduled', '--', 'true');
    expect(unscheduled.code).toBe(1);
    expect(unscheduled.stderr).toBe('Error from server (BadRequest): pod unscheduled does not have a host assigned\n');
    await createPod('not-started');
    const notStarted = await kubectl('exec', 'not-started', '--', 'true');
    expect(notStarted.code).toBe(1);
    expect(notStarted.stderr).toBe('error: unable to upgrade connection: container not found ("app")\n');
  });
});

describe('skiff', () => {
  it('skiff logs prints the container output, with --tail and for a deployment', async () => {
    expect(await skiff('logs', 'web')).toEqual({ code: 0, stdout: 'one\ntwo\nthree\n', stderr: '' });
    expect((await skiff('logs', 'web', '--tail', '2')).stdout).toBe('two\nthree\n');
    expect(await skiff('logs', 'deployment/web')).toEqual({ code: 0, stdout: 'one\ntwo\nthree\n', stderr: '' });
    const ts = (await skiff('logs', 'web', '--timestamps', '--since', '1h')).stdout.trimEnd().split('\n');
    expect(ts[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z one$/);
  });

  it('skiff logs -f keeps printing lines as the container writes them', async () => {
    const out = await followUntilNewLine('follow-skiff', process.execPath, [SKIFF, '--kubeconfig', api.kubeconfig, 'logs', '-f', 'follow-skiff'], 'skiff-follows');
    expect(out).toBe('one\ntwo\nthree\nskiff-follows\n');
  });

  it('skiff logs reports errors in kubectl words', async () => {
    const r = await skiff('logs', 'missing');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): pods "missing" not found\n');
  });

  it('skiff exec runs the command and exits with its code', async () => {
    const r = await skiff('exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\ncommand terminated with exit code 3\n' });
    expect(await skiff('exec', 'web', '--', 'sh', '-c', 'echo fine')).toEqual({ code: 0, stdout: 'fine\n', stderr: '' });
  });

  it('skiff exec -i passes stdin; -t without a terminal says so and goes on without one', async () => {
    expect(await skiffWithInput('shout\n', 'exec', '-i', 'web', '--', 'tr', 'a-z', 'A-Z')).toEqual({ code: 0, stdout: 'SHOUT\n', stderr: '' });
    const r = await skiffWithInput('', 'exec', '-i', '-t', 'web', '--', 'sh', '-c', 'tty || true');
    expect(r.stderr).toBe('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    expect(r.stdout).toBe('not a tty\n');
    expect(r.code).toBe(0);
  });

  it.skipIf(!existsSync(TMUX))('skiff exec -it gives a raw terminal that follows window size changes', async () => {
    await inTerminal([process.execPath, SKIFF, '--kubeconfig', api.kubeconfig, 'exec', '-it', 'web', '--', 'sh'], async (screen, tmux) => {
      await screen(/^\/ #/m);
      await tmux('send-keys', 'stty size; tty', 'Enter');
      expect(await screen(/\/dev\/pts/)).toMatch(/^25 90$/m);
      await tmux('resize-window', '-x', '70', '-y', '20');
      await new Promise((r) => setTimeout(r, 300));
      await tmux('send-keys', 'stty size; exit 7', 'Enter');
      const text = await screen(/EXIT=/);
      expect(text).toMatch(/^20 70$/m);
      expect(text).toMatch(/^command terminated with exit code 7\nEXIT=7$/m);
    });
  });

  it('skiff exec wants the command after --', async () => {
    const r = await skiff('exec', 'web', 'true');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n');
  });
});
