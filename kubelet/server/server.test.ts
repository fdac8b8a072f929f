import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/core/v1.js';
import { ensureCA, ensureClientCert } from '../../src/cluster/pki.js';
import {
  RemoteCommandExitError,
  STREAM_PROTOCOL_V4,
  streamRemoteCommand,
  type RemoteCommandStreams,
} from '../../src/client/remotecommand.js';
import { StatusError } from '../../src/api/status.js';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type ContainerRuntime,
  type ContainerStatus,
  type LogOptions,
  type StreamOptions,
} from '../runtime/interface.js';
import { KubeletServer } from './server.js';

/** A runtime with scripted containers: logs are fixed lines, exec runs a tiny command language. */
class ScriptedRuntime {
  containers: ContainerStatus[] = [];
  logText = new Map<string, string[]>();
  resizes: [number, number][] = [];
  lastLogOptions?: LogOptions;

  add(pod: Pod, name: string, attempt: number, state: ContainerStatus['state'], lines: string[] = []): ContainerStatus {
    const id = `${pod.metadata.name}-${name}-${attempt}`;
    const c: ContainerStatus = {
      id,
      sandboxId: 'sb',
      podName: pod.metadata.name!,
      namespace: pod.metadata.namespace!,
      podUid: pod.metadata.uid!,
      name,
      attempt,
      image: 'img',
      imageId: 'sha256:1',
      state,
      createdAt: new Date(Date.now() + attempt),
      labels: {
        [LABEL_POD_NAME]: pod.metadata.name!,
        [LABEL_POD_NAMESPACE]: pod.metadata.namespace!,
        [LABEL_POD_UID]: pod.metadata.uid!,
        [LABEL_CONTAINER_NAME]: name,
        [LABEL_ATTEMPT]: String(attempt),
      },
    };
    this.containers.push(c);
    this.logText.set(id, lines);
    return c;
  }

  async listContainers(filter?: { podUid?: string }) {
    return this.containers.filter((c) => !filter?.podUid || c.podUid === filter.podUid);
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    this.lastLogOptions = opts;
    let lines = this.logText.get(id) ?? [];
    if (opts.tailLines !== undefined) lines = lines.slice(lines.length - opts.tailLines);
    const text = lines.map((l) => `${opts.timestamps ? '2026-01-01T00:00:00.000000000Z ' : ''}${l}\n`);
    if (!opts.follow) return Readable.from(text.map((t) => Buffer.from(t)));
    const out = new PassThrough();
    for (const t of text) out.write(t);
    const timer = setTimeout(() => out.write('later\n'), 50);
    out.on('close', () => clearTimeout(timer));
    return out;
  }

  /** "echo X" writes X to stdout, "warn X" to stderr, "cat" copies stdin, "exit N" ends with N */
  async exec(_id: string, cmd: string[], streams: StreamOptions) {
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => (resolveExit = r));
    const run = async () => {
      let code = 0;
      for (const word of cmd.join(' ').split(';').map((s) => s.trim())) {
        const [verb, ...rest] = word.split(' ');
        if (verb === 'echo') streams.stdout?.write(`${rest.join(' ')}\n`);
        if (verb === 'warn') (streams.tty ? streams.stdout : streams.stderr)?.write(`${rest.join(' ')}\n`);
        if (verb === 'cat' && streams.stdin) for await (const chunk of streams.stdin) streams.stdout?.write(chunk);
        if (verb === 'exit') code = Number(rest[0]);
      }
      streams.stdout?.end();
      streams.stderr?.end();
      resolveExit(code);
    };
    void run();
    return {
      resize: async (cols: number, rows: number) => void this.resizes.push([cols, rows]),
      exited,
      close: () => resolveExit(137),
    };
  }

  async attach(id: string, streams: StreamOptions) {
    return this.exec(id, ['echo attached'], streams);
  }

  async containerStats() {
    return [];
  }
}

function pod(name: string, containers: string[], status: Pod['status'] = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers: containers.map((c) => ({ name: c, image: 'img' })) },
    status,
  } as unknown as Pod;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let runtime: ScriptedRuntime;
let server: KubeletServer;
let url: string;
let client: Agent;
let anonymous: Agent;
let clientCert: { cert: string; key: string };
const pods: Pod[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubelet-server-'));
  const ca = ensureCA(dir);
  const c = ensureClientCert(dir, 'apiserver-client', { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] });
  clientCert = { cert: readFileSync(c.certFile, 'utf8'), key: readFileSync(c.keyFile, 'utf8') };
  runtime = new ScriptedRuntime();
  server = new KubeletServer({
    runtime: runtime as unknown as ContainerRuntime,
    nodeName: 'node-a',
    host: '127.0.0.1',
    port: 0,
    clientCaFile: ca.certFile,
    pods: () => pods,
  });
  url = await server.start();
  client = new Agent({ connect: { ...clientCert, rejectUnauthorized: false } });
  anonymous = new Agent({ connect: { rejectUnauthorized: false } });

  const web = pod('web', ['app']);
  pods.push(web);
  runtime.add(web, 'app', 0, 'exited', ['first life']);
  runtime.add(web, 'app', 1, 'running', ['one', 'two', 'three']);
  pods.push(pod('pending', ['app'], { containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] } as Pod['status']));
  pods.push(pod('pulling', ['app'], { containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ImagePullBackOff' } } }] } as Pod['status']));
  const fresh = pod('fresh', ['app']);
  pods.push(fresh);
  runtime.add(fresh, 'app', 0, 'running', ['hello']);
});

afterAll(async () => {
  await server?.stop();
  await client?.close();
  await anonymous?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, agent = client, reset = false) {
  const res = await request(url + path, { dispatcher: agent, reset });
  return { status: res.statusCode, body: await res.body.text() };
}

function exec(query: Record<string, string | string[]>, streams: RemoteCommandStreams, protocols?: string[], path = '/exec/default/web/app') {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const item of [v].flat()) params.append(k, item);
  return streamRemoteCommand(
    { server: url, clientCert: clientCert.cert, clientKey: clientCert.key, insecureSkipTLSVerify: true, namespace: 'default', contextName: 'test' },
    path,
    Object.fromEntries([...new Set(params.keys())].map((k) => [k, params.getAll(k)])),
    streams,
    protocols ? { protocols } : {},
  );
}

describe('kubelet server authentication', () => {
  it('refuses a client without a certificate signed by the client CA', async () => {
    expect(await get('/healthz', anonymous)).toEqual({ status: 401, body: 'Unauthorized' });
    expect((await get('/pods', anonymous)).status).toBe(401);
  });

  it('still refuses it on new connections that resume its TLS session', async () => {
    for (let i = 0; i < 3; i++) expect((await get('/pods', anonymous, true)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await get('/pods', client, true)).status).toBe(200);
  });

  it('serves a client with one', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    const list = JSON.parse((await get('/pods')).body) as { kind: string; items: Pod[] };
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata.name)).toContain('web');
  });

  it('refuses a stream upgrade without a certificate', async () => {
    const err = await streamRemoteCommand(
      { server: url, insecureSkipTLSVerify: true, namespace: 'default', contextName: 't' },
      '/exec/default/web/app',
      { command: ['echo', 'hi'], stdout: '1' },
      { tty: false, stdout: new Collect() },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('unable to upgrade connection: Unauthorized');
  });
});

describe('containerLogs', () => {
  it('serves the current container, honouring tailLines and timestamps', async () => {
    expect(await get('/containerLogs/default/web/app')).toEqual({ status: 200, body: 'one\ntwo\nthree\n' });
    expect((await get('/containerLogs/default/web/app?tailLines=1')).body).toBe('three\n');
    expect((await get('/containerLogs/default/web/app?tailLines=1&timestamps=true')).body).toBe('2026-01-01T00:00:00.000000000Z three\n');
  });

  it('serves the previous instance with previous=true, and says when there is none', async () => {
    expect((await get('/containerLogs/default/web/app?previous=true')).body).toBe('first life\n');
    expect(await get('/containerLogs/default/fresh/app?previous=true')).toEqual({
      status: 400,
      body: 'previous terminated container "app" in pod "fresh" not found',
    });
  });

  it('cuts the output at limitBytes', async () => {
    expect((await get('/containerLogs/default/web/app?limitBytes=6')).body).toBe('one\ntw');
  });

  it('keeps streaming with follow', async () => {
    const res = await request(`${url}/containerLogs/default/fresh/app?follow=true`, { dispatcher: client });
    let text = '';
    for await (const chunk of res.body) {
      text += chunk.toString();
      if (text.includes('later')) break;
    }
    expect(text).toBe('hello\nlater\n');
  });

  it('answers as the kubelet for pods and containers that cannot serve logs', async () => {
    expect(await get('/containerLogs/default/pending/app')).toEqual({
      status: 400,
      body: 'container "app" in pod "pending" is waiting to start: ContainerCreating',
    });
    expect((await get('/containerLogs/default/pulling/app')).body).toBe(
      'container "app" in pod "pulling" is waiting to start: trying and failing to pull image',
    );
    expect(await get('/containerLogs/default/nope/app')).toEqual({ status: 404, body: 'pod "nope" does not exist\n' });
    expect(await get('/containerLogs/default/web/other')).toEqual({ status: 404, body: 'container "other" not found in pod "web"\n' });
  });
});

describe('exec and attach over WebSocket', () => {
  it('copies stdout and stderr and resolves on exit code 0 (v5)', async () => {
    const stdout = new Collect();
    const stderr = new Collect();
    await exec({ command: ['echo out; warn err'], stdout: '1', stderr: '1' }, { tty: false, stdout, stderr });
    expect(stdout.text).toBe('out\n');
    expect(stderr.text).toBe('err\n');
  });

  it('reports a non-zero exit code through the error channel (v5 and v4)', async () => {
    for (const protocols of [undefined, [STREAM_PROTOCOL_V4]]) {
      const stdout = new Collect();
      const err = await exec({ command: ['echo before; exit 3'], stdout: '1' }, { tty: false, stdout }, protocols).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteCommandExitError);
      expect((err as RemoteCommandExitError).exitCode).toBe(3);
      expect(stdout.text).toBe('before\n');
    }
  });

  it('ends stdin when the client closes it (v5 close signal)', async () => {
    const stdout = new Collect();
    await exec({ command: ['cat'], stdin: '1', stdout: '1' }, { tty: false, stdin: Readable.from([Buffer.from('typed\n')]), stdout });
    expect(stdout.text).toBe('typed\n');
  });

  it('forwards terminal sizes with a tty and merges stderr into stdout', async () => {
    const stdout = new Collect();
    const resize = { current: () => ({ width: 120, height: 40 }), subscribe: () => () => {} };
    await exec({ command: ['warn via tty'], stdout: '1', stderr: '1', tty: '1' }, { tty: true, stdout, resize });
    expect(stdout.text).toBe('via tty\n');
    expect(runtime.resizes).toContainEqual([120, 40]);
  });

  it('attaches to the container process', async () => {
    const stdout = new Collect();
    await exec({ stdout: '1' }, { tty: false, stdout }, undefined, '/attach/default/web/app');
    expect(stdout.text).toBe('attached\n');
  });

  it('tells SPDY-only clients, in a Status they can show, that it streams over WebSocket', async () => {
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${url}/exec/default/web/app?command=true&output=1`, {
        method: 'POST',
        headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' },
        ...clientCert,
        rejectUnauthorized: false,
      });
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/json');
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: expect.stringContaining('SPDY is not supported') });
  });

  it('refuses containers that are not running, with the kubelet message', async () => {
    const err = await exec({ command: ['echo'], stdout: '1' }, { tty: false, stdout: new Collect() }, undefined, '/exec/default/pending/app').catch(
      (e: unknown) => e,
    );
    expect(err).not.toBeInstanceOf(StatusError);
    expect((err as Error).message).toBe('unable to upgrade connection: container not found ("app")');
  });
});
