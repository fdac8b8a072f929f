import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildKubeconfig,
  KubeconfigError,
  kubeconfigWriteTarget,
  loadKubeconfig,
  loadKubeconfigFiles,
  minifyKubeconfig,
  parseKubeconfig,
  redactKubeconfig,
  setContext,
  useContext,
  writeKubeconfig,
} from './kubeconfig.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const twoContexts = `
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${Buffer.from('CA PEM').toString('base64')}
- name: other
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: abc
- name: reader
  user:
    tokenFile: tokens/reader
contexts:
- name: local
  context:
    cluster: local
    user: admin
- name: other
  context:
    cluster: other
    user: reader
    namespace: kube-system
current-context: local
`;

describe('loadKubeconfig', () => {
  it('resolves the current context from an explicit file', () => {
    const p = file('config', twoContexts);
    expect(loadKubeconfig({ path: p, env: {} })).toEqual({
      server: 'https://127.0.0.1:6443',
      token: 'abc',
      ca: 'CA PEM',
      namespace: 'default',
      contextName: 'local',
      clusterName: 'local',
      userName: 'admin',
    });
  });

  it('honours --context, reads tokenFile relative to the kubeconfig, and takes the context namespace', () => {
    const p = file('cfg/config', twoContexts);
    file('cfg/tokens/reader', 'reader-token\n');
    const cfg = loadKubeconfig({ path: p, context: 'other', env: {} });
    expect(cfg).toMatchObject({
      server: 'http://127.0.0.1:8080',
      token: 'reader-token',
      insecureSkipTLSVerify: true,
      namespace: 'kube-system',
      contextName: 'other',
    });
  });

  it('words errors as kubectl does', () => {
    const p = file('config', twoContexts);
    expect(() => loadKubeconfig({ path: p, context: 'nope', env: {} })).toThrow('context "nope" does not exist');
    expect(() => loadKubeconfig({ path: join(dir, 'missing'), env: {} })).toThrow(`stat ${join(dir, 'missing')}: no such file or directory`);
    const noServer = file('noserver', 'contexts: [{name: c, context: {cluster: x}}]\ncurrent-context: c\n');
    expect(() => loadKubeconfig({ path: noServer, env: {} })).toThrow('invalid configuration: no server found for cluster "x"');
    const broken = file('broken', 'clusters: [oops');
    expect(() => loadKubeconfig({ path: broken, env: {} })).toThrow(KubeconfigError);
  });

  it('merges KUBECONFIG files: the first to define a name or current-context wins, missing files are skipped', () => {
    const a = file(
      'a',
      `clusters: [{name: c1, cluster: {server: "https://a:1"}}]
users: [{name: u, user: {token: from-a}}]
contexts: [{name: ctx, context: {cluster: c1, user: u}}]
`,
    );
    const b = file(
      'b',
      `clusters: [{name: c1, cluster: {server: "https://b:1"}}, {name: c2, cluster: {server: "https://b:2"}}]
users: [{name: u, user: {token: from-b}}]
contexts: [{name: ctx2, context: {cluster: c2, user: u}}]
current-context: ctx
`,
    );
    const c = file('c', 'current-context: ctx2\n');
    const env = { KUBECONFIG: [a, join(dir, 'absent'), b, c].join(':') };
    const cfg = loadKubeconfig({ env });
    expect([cfg.contextName, cfg.server, cfg.token]).toEqual(['ctx', 'https://a:1', 'from-a']);
    expect(loadKubeconfig({ env, context: 'ctx2' }).server).toBe('https://b:2');
    expect(loadKubeconfigFiles({ env }).files.map((f) => f.path)).toEqual([a, b, c]);
    expect(kubeconfigWriteTarget({ env })).toBe(a);
  });

  it('defaults to ~/.skiff/kubeconfig and falls back to ~/.kube/config', () => {
    const home = join(dir, 'home');
    file('home/.kube/config', buildYaml('https://kube:6443'));
    expect(loadKubeconfig({ home, env: {} }).server).toBe('https://kube:6443');
    file('home/.skiff/kubeconfig', buildYaml('https://skiff:6443'));
    expect(loadKubeconfig({ home, env: {} }).server).toBe('https://skiff:6443');
    expect(() => loadKubeconfig({ home: join(dir, 'nobody'), env: {} })).toThrow(/no configuration has been provided/);
  });
});

function buildYaml(server: string): string {
  return `clusters: [{name: c, cluster: {server: "${server}"}}]
contexts: [{name: c, context: {cluster: c}}]
current-context: c
`;
}

describe('writing and editing', () => {
  it('writes an admin kubeconfig that loads back, readable only by its owner', () => {
    const p = join(dir, 'out', 'kubeconfig');
    writeKubeconfig(p, { server: 'https://127.0.0.1:6443', token: 't0k', ca: '-----BEGIN CERTIFICATE-----\nX\n' });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readFileSync(p, 'utf8')).toMatch(/^apiVersion: v1\nkind: Config\n/);
    expect(loadKubeconfig({ path: p, env: {} })).toMatchObject({
      server: 'https://127.0.0.1:6443',
      token: 't0k',
      ca: '-----BEGIN CERTIFICATE-----\nX\n',
      contextName: 'skiff',
    });
  });

  it('set-context, use-context, minify and redact', () => {
    const kc = parseKubeconfig(twoContexts);
    setContext(kc, 'dev', { cluster: 'other', user: 'admin', namespace: 'dev' });
    useContext(kc, 'dev');
    expect(() => useContext(kc, 'ghost')).toThrow('no context exists with the name: "ghost"');
    const mini = minifyKubeconfig(kc);
    expect(mini.contexts.map((c) => c.name)).toEqual(['dev']);
    expect(mini.clusters.map((c) => c.name)).toEqual(['other']);
    expect(mini.users.map((u) => u.name)).toEqual(['admin']);
    const red = redactKubeconfig(kc);
    expect(red.users[0]!.user.token).toBe('REDACTED');
    expect(red.clusters[0]!.cluster['certificate-authority-data']).toBe('DATA+OMITTED');
    expect(kc.users[0]!.user.token).toBe('abc');
  });

  it('keeps fields it does not know when rewriting a file', () => {
    const kc = parseKubeconfig(`${twoContexts}\nextensions: [{name: x, extension: {a: 1}}]\n`);
    const p = join(dir, 'kept');
    writeKubeconfig(p, kc);
    expect(readFileSync(p, 'utf8')).toContain('extensions:');
    const built = buildKubeconfig({ server: 'http://x', namespace: 'ns1' });
    expect(built.contexts[0]!.context).toEqual({ cluster: 'skiff', user: 'admin', namespace: 'ns1' });
  });
});
