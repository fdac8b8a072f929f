// Real kubectl against the apiserver's OpenAPI documents: field validation
// left to the server, explain, and apply's strategic merge patches.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type TestApiServer } from './harness/apiserver.js';

const exec = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
/** kubectl before 1.29 still reads /openapi/v2, and only as protocol buffers */
const OLD_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.28';

let s: TestApiServer;
let dir: string;

beforeAll(async () => {
  s = await startApiServer();
  dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-openapi-'));
});

afterAll(async () => {
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl with the test's kubeconfig and a private cache, so no other server's discovery leaks in */
async function kubectl(args: string[], binary = KUBECTL): Promise<Result> {
  const env = { ...process.env, KUBECONFIG: s.kubeconfig };
  try {
    const { stdout, stderr } = await exec(binary, [`--cache-dir=${join(dir, 'cache', binary.replace(/\W/g, '_'))}`, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

function manifest(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const deployment = (name: string, env: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: busybox
        env: ${env}
`;

describe('kubectl with the OpenAPI documents', () => {
  it('creates a multi-document manifest with validation on', async () => {
    const file = manifest(
      'multi.yaml',
      `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: web
    image: busybox
    ports:
    - containerPort: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: busybox
        resources:
          limits: {cpu: 1, memory: 64Mi}
`,
    );
    const r = await kubectl(['create', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('namespace/shop created');
    expect(r.stdout).toContain('pod/web created');
    expect(r.stdout).toContain('deployment.apps/api created');
    const got = await kubectl(['get', 'deployment', 'api', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}']);
    expect(got.stdout).toBe('2');
  });

  it('lets the server reject unknown fields, and drops them under --validate=false', async () => {
    const file = manifest(
      'unknown-field.yaml',
      `apiVersion: v1
kind: Pod
metadata:
  name: odd
  namespace: default
spec:
  bogus: 1
  containers:
  - name: c
    image: busybox
`,
    );
    const rejected = await kubectl(['create', '-f', file]);
    expect(rejected.code).not.toBe(0);
    expect(rejected.stderr).toContain('The Pod "odd" is invalid: spec.bogus: unknown field "spec.bogus"');
    expect((await kubectl(['get', 'pod', 'odd'])).code).not.toBe(0);

    const accepted = await kubectl(['create', '-f', file, '--validate=false']);
    expect(accepted.stderr).toBe('');
    expect(accepted.stdout).toContain('pod/odd created');
    const spec = JSON.parse((await kubectl(['get', 'pod', 'odd', '-o', 'jsonpath={.spec}'])).stdout) as Record<string, unknown>;
    expect(spec).not.toHaveProperty('bogus');
    expect(spec.containers).toEqual([expect.objectContaining({ name: 'c', image: 'busybox' })]);
  });

  it('explains a field with its type, description and sub-fields', async () => {
    const r = await kubectl(['explain', 'pods.spec.containers']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('KIND:       Pod');
    expect(r.stdout).toContain('FIELD: containers <[]Container>');
    expect(r.stdout).toMatch(/DESCRIPTION:\s+List of containers belonging to the pod/);
    expect(r.stdout).toMatch(/image\s+<string>\s+Container image name/);
    expect(r.stdout).toMatch(/ports\s+<\[\]ContainerPort>/);
  });

  it('applies a Deployment, applies it unchanged, and removes what a later manifest drops', async () => {
    const first = manifest('app-v1.yaml', deployment('app', '[{name: A, value: "1"}, {name: C, value: "3"}]'));
    const created = await kubectl(['apply', '-f', first]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('deployment.apps/app created');
    const again = await kubectl(['apply', '-f', first]);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('deployment.apps/app unchanged');

    // With the merge key from OpenAPI, apply's patch deletes C by name; a
    // patch built without it replaces the list and the server's merge keeps C.
    const second = manifest('app-v2.yaml', deployment('app', '[{name: A, value: "2"}]'));
    const configured = await kubectl(['apply', '-f', second]);
    expect(configured.stderr).toBe('');
    expect(configured.stdout).toContain('deployment.apps/app configured');
    const env = (await kubectl(['get', 'deployment', 'app', '-o', 'jsonpath={.spec.template.spec.containers[0].env}'])).stdout;
    expect(JSON.parse(env)).toEqual([{ name: 'A', value: '2' }]);
  });

  it.skipIf(!existsSync(OLD_KUBECTL))('serves older kubectl its Swagger 2.0 document as protocol buffers', async () => {
    const file = manifest('old.yaml', deployment('legacy', '[{name: A, value: "1"}]'));
    const created = await kubectl(['apply', '-f', file], OLD_KUBECTL);
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('deployment.apps/legacy created');
    const explained = await kubectl(['explain', 'deployments.spec.replicas', '--output=plaintext-openapiv2'], OLD_KUBECTL);
    expect(explained.stdout).toContain('Number of desired pods');
  });
});
