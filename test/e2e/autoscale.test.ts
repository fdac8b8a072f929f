// Horizontal pod autoscaling end to end, on a real 1-node cluster on Docker
// started by `skiff up`: a Deployment whose pods request 100m CPU gets an
// autoscaler (`skiff autoscale ... --min=1 --max=5 --cpu-percent=50`); HTTP
// requests to every one of its pods' /burn keep them busy, and the autoscaler
// scales up to its maximum; the load stops and, once the downscale
// stabilization window has passed, it scales back to one pod. On the way,
// `skiff top pods` and real `kubectl top pods` show the busy pods' CPU, and
// `get hpa` / `describe hpa` show the targets and the rescale events. The
// controller-manager and metrics server are made quick with the flags a user
// would pass (sync every 5 s, a 20 s downscale window, 5 s metric resolution).
// Load is only ever sent to pod IPs on the Docker bridge.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, printDiagnosticsOnFailure, run, startCluster, type E2ECluster } from './cluster.js';
import { isServing, pods, servingPods, type Deployment } from './objects.js';

const NET = 47;
const SYNC_PERIOD_S = 5;
const STABILIZATION_S = 20;
/** the pod bridge of the Docker engine: the only place load is sent */
const POD_BRIDGE = 'docker0';

const workload = (name: string, cpuLimit?: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: skiff/echo:1.0
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 100m}
${cpuLimit ? `            limits: {cpu: ${cpuLimit}}\n` : ''}`;

let cluster: E2ECluster | undefined;
const c = (): E2ECluster => {
  if (!cluster) throw new Error('the cluster did not start');
  return cluster;
};

async function ok(args: string[]): Promise<string> {
  const res = await c().skiff(...args);
  expect(res.code, `skiff ${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
  return res.stdout;
}

async function kubectlOk(args: string[]): Promise<string> {
  const res = await c().kubectl(...args);
  expect(res.code, `kubectl ${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
  return res.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** polls every `everyMs` (each poll starts a CLI, so not in a tight loop) until fn returns a truthy value */
async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string | (() => string), everyMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const said = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${said}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await sleep(everyMs);
  }
}

interface HPA {
  apiVersion: string;
  metadata: { name: string };
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string; target: { type: string; averageUtilization?: number } } }[];
  };
  status?: {
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: { type: string; resource?: { name: string; current: { averageUtilization?: number; averageValue?: string } } }[];
  };
}

const utilization = (hpa: HPA): number | undefined => hpa.status?.currentMetrics?.[0]?.resource?.current.averageUtilization;

/** the TARGETS cell of a `get hpa NAME` table: `cpu: 250%/50%` */
function targetsOf(table: string, name: string): string {
  const row = table.split('\n').find((l) => l.startsWith(`${name} `));
  const m = row?.match(/cpu: (?:\d+%|<unknown>)\/\d+%/);
  if (!m) throw new Error(`no cpu TARGETS for ${name} in:\n${table}`);
  return m[0];
}

const percent = (targets: string): number | undefined => {
  const m = targets.match(/^cpu: (\d+)%/);
  return m ? Number(m[1]) : undefined;
};

/** millicores per pod from a `top pods` table (NAME CPU(cores) MEMORY(bytes)) */
function topCPU(table: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of table.split('\n').slice(1)) {
    const [name, cpu] = line.trim().split(/\s+/);
    if (!name || !cpu) continue;
    const m = cpu.match(/^(\d+)(m?)$/);
    if (m) out.set(name, m[2] ? Number(m[1]) : Number(m[1]) * 1000);
  }
  return out;
}

/**
 * One field set of an object as real kubectl watches it (`get -w -o
 * jsonpath`), each change stamped with its time: the test's timeline. A watch
 * the server closes is opened again.
 */
class FieldWatch {
  readonly changes: { at: number; value: string }[] = [];
  private child?: ChildProcess;
  private stopped = false;

  constructor(
    private readonly kubeconfig: string,
    private readonly args: string[],
  ) {
    this.start();
  }

  get latest(): string | undefined {
    return this.changes.at(-1)?.value;
  }

  private start(): void {
    if (this.stopped) return;
    const child = spawn(KUBECTL, ['--kubeconfig', this.kubeconfig, 'get', ...this.args, '-w'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child = child;
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const value = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (value && value !== this.latest) this.changes.push({ at: Date.now(), value });
      }
    });
    child.on('error', () => undefined);
    child.on('exit', () => {
      if (!this.stopped) setTimeout(() => this.start(), 1000);
    });
  }

  stop(): void {
    this.stopped = true;
    this.child?.kill();
  }
}

/** true when the kernel reaches `ip` through the Docker engine's pod bridge, i.e. a container on this machine */
async function onPodBridge(ip: string): Promise<boolean> {
  const res = await run('ip', ['-4', 'route', 'get', ip]);
  return res.code === 0 && new RegExp(`\\bdev ${POD_BRIDGE}\\b`).test(res.stdout);
}

/**
 * Keeps every serving pod of a selector busy: `perPod` requests at a time to
 * each pod's GET /burn?ms=N, following the pods as they come and go, so that
 * the pods a scale-up adds become busy too. Requests go only to pod IPs on the
 * Docker bridge.
 */
class BurnLoad {
  /** pod IP -> its workers (each one request at a time) */
  private readonly targets = new Map<string, Promise<void>[]>();
  private readonly checked = new Map<string, boolean>();
  private running = true;
  private readonly follower: Promise<void>;
  requests = 0;
  /** pod IPs not on the pod bridge, which were sent nothing */
  readonly refused = new Set<string>();

  constructor(
    private readonly cluster: E2ECluster,
    private readonly selector: string,
    private readonly perPod = 2,
    private readonly burnMs = 500,
  ) {
    this.follower = this.follow();
  }

  private async follow(): Promise<void> {
    while (this.running) {
      try {
        const ips = new Set((await pods(this.cluster, this.selector)).filter(isServing).map((p) => p.status?.podIP ?? '').filter(Boolean));
        for (const ip of ips) {
          if (this.targets.has(ip) || !this.running) continue;
          if (!this.checked.has(ip)) this.checked.set(ip, await onPodBridge(ip));
          if (!this.checked.get(ip)) {
            this.refused.add(ip);
            continue;
          }
          const workers: Promise<void>[] = [];
          this.targets.set(ip, workers);
          for (let i = 0; i < this.perPod; i++) workers.push(this.worker(ip));
        }
        for (const ip of this.targets.keys()) if (!ips.has(ip)) this.targets.delete(ip);
      } catch {
        // a failed listing is retried on the next round
      }
      await sleep(2000);
    }
  }

  private async worker(ip: string): Promise<void> {
    while (this.running && this.targets.has(ip)) {
      try {
        await burn(`http://${ip}:8080/burn?ms=${this.burnMs}`, this.burnMs + 10_000);
        this.requests++;
      } catch {
        await sleep(250);
      }
    }
  }

  /** stops sending; resolves once no request is left in flight (so the pods are idle) */
  async stop(): Promise<void> {
    this.running = false;
    const workers = [...this.targets.values()].flat();
    await Promise.allSettled([this.follower, ...workers]);
  }
}

function burn(url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

let replicasWatch: FieldWatch | undefined;
let hpaWatch: FieldWatch | undefined;
let load: BurnLoad | undefined;
let loadStarted = 0;
let loadStopped = 0;
/** the pod that was there before any load: busy the longest */
let firstPod = '';

/** the timeline of the run, relative to the start of the load, for the reader of a failure (and of a success) */
function timeline(): string {
  const t0 = loadStarted || Date.now();
  const rows = [
    ...(replicasWatch?.changes ?? []).map((x) => ({ at: x.at, text: `deployment burner spec.replicas/ready: ${x.value}` })),
    ...(hpaWatch?.changes ?? []).map((x) => ({ at: x.at, text: `hpa burner desired/utilization%: ${x.value}` })),
    ...(loadStarted ? [{ at: loadStarted, text: 'load started' }] : []),
    ...(loadStopped ? [{ at: loadStopped, text: 'load stopped' }] : []),
  ].sort((a, b) => a.at - b.at);
  return rows.map((r) => `${((r.at - t0) / 1000).toFixed(1).padStart(7)} s  ${r.text}`).join('\n');
}

/** the deployment's replica count as the watch last saw it */
const watchedReplicas = (): number => Number((replicasWatch?.latest ?? '').split(' ')[0] || 0);

describe('horizontal pod autoscaling on a Docker cluster', () => {
  printDiagnosticsOnFailure(() => cluster);

  beforeAll(async () => {
    cluster = await startCluster({
      net: NET,
      nodes: 1,
      extra: [
        `--controller-manager-arg=--horizontal-pod-autoscaler-sync-period=${SYNC_PERIOD_S}s`,
        `--controller-manager-arg=--horizontal-pod-autoscaler-downscale-stabilization=${STABILIZATION_S}s`,
        '--metrics-server-arg=--metric-resolution=5s',
      ],
    });
    // a CPU limit keeps a busy pod at twice its request (200%) on a shared machine
    const res = await c().skiffWithInput(`${workload('burner', '200m')}---${workload('other')}`, 'apply', '-f', '-');
    expect(res.code, res.stdout + res.stderr).toBe(0);
    try {
      const [pod] = await waitFor(() => servingPods(c(), 'app=burner', 1), 60_000, 'the burner pod Running and Ready', 1000);
      firstPod = pod!.metadata.name;
      await waitFor(() => servingPods(c(), 'app=other', 1), 60_000, 'the other pod Running and Ready', 1000);
    } catch (err) {
      // a failed set-up fails no test, so printDiagnosticsOnFailure would say nothing
      console.log(await c().diagnostics());
      throw err;
    }
    replicasWatch = new FieldWatch(c().kubeconfig, ['deployment', 'burner', '-o', 'jsonpath={.spec.replicas} {.status.readyReplicas}{"\\n"}']);
    hpaWatch = new FieldWatch(c().kubeconfig, [
      'hpa',
      'burner',
      '-o',
      'jsonpath={.status.desiredReplicas} {.status.currentMetrics[0].resource.current.averageUtilization}{"\\n"}',
    ]);
  }, 180_000);

  afterAll(async () => {
    await load?.stop();
    replicasWatch?.stop();
    hpaWatch?.stop();
    console.log(`autoscaling timeline (seconds from the start of the load):\n${timeline()}`);
    if (!cluster) return;
    const res = await cluster.down(true);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  }, 120_000);

  it('skiff autoscale deployment burner --min=1 --max=5 --cpu-percent=50 creates the autoscaler', async () => {
    const out = await ok(['autoscale', 'deployment', 'burner', '--min=1', '--max=5', '--cpu-percent=50']);
    expect(out.trim()).toBe('horizontalpodautoscaler.autoscaling/burner autoscaled');
    const hpa = await c().json<HPA>('get', 'hpa', 'burner');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'burner' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
  });

  it('kubectl autoscale deployment other --min=1 --max=3 --cpu-percent=80 creates one too', async () => {
    const out = await kubectlOk(['autoscale', 'deployment', 'other', '--min=1', '--max=3', '--cpu-percent=80']);
    expect(out.trim()).toBe('horizontalpodautoscaler.autoscaling/other autoscaled');
    const hpa = await c().json<HPA>('get', 'hpa', 'other');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'other' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
  });

  it('idle pods: both autoscalers read a CPU utilization below target and keep one replica', async () => {
    const targets = await waitFor(
      async () => {
        const table = await ok(['get', 'hpa']);
        const burner = targetsOf(table, 'burner');
        const other = targetsOf(table, 'other');
        return percent(burner) !== undefined && percent(other) !== undefined ? { burner, other, table } : undefined;
      },
      60_000,
      'both autoscalers to show a current CPU utilization',
    );
    expect(percent(targets.burner), targets.table).toBeLessThan(50);
    expect(targets.burner).toMatch(/\/50%$/);
    expect(percent(targets.other), targets.table).toBeLessThan(80);
    expect(targets.other).toMatch(/\/80%$/);
    // real kubectl reads the same table from the server
    expect(targetsOf(await kubectlOk(['get', 'hpa', 'other']), 'other')).toMatch(/^cpu: \d+%\/80%$/);
    const dep = await c().json<Deployment>('get', 'deployment', 'burner');
    expect(dep.spec.replicas).toBe(1);
  }, 90_000);

  it('busy pods: the autoscaler scales up to its maximum within 2 minutes; top, get and describe show why', async () => {
    loadStarted = Date.now();
    load = new BurnLoad(c(), 'app=burner');

    const up = await waitFor(async () => (watchedReplicas() > 1 ? watchedReplicas() : undefined), 120_000, () => `a scale-up (timeline:\n${timeline()})`, 500);
    expect(up).toBeGreaterThan(1);

    // the pod busy since the start shows its CPU in both top commands while the rest come up
    const skiffTop = await waitFor(
      async () => {
        const out = await ok(['top', 'pods', '-l', 'app=burner']);
        return (topCPU(out).get(firstPod) ?? 0) > 0 ? out : undefined;
      },
      30_000,
      `skiff top pods to show CPU for ${firstPod}`,
    );
    expect(skiffTop.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(topCPU(skiffTop).get(firstPod), skiffTop).toBeGreaterThan(0);
    const kubectlTop = await kubectlOk(['top', 'pods', '-l', 'app=burner']);
    expect(kubectlTop.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(topCPU(kubectlTop).get(firstPod), kubectlTop).toBeGreaterThan(0);

    const table = await ok(['get', 'hpa', 'burner']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
    expect(table).toMatch(/^burner\s+Deployment\/burner\s+cpu: \d+%\/50%\s+1\s+5\s+\d+\s+/m);
    const busy = await c().json<HPA>('get', 'hpa', 'burner');
    expect(utilization(busy), JSON.stringify(busy.status)).toBeGreaterThan(50);

    // the pods the scale-up added become busy too, and push it to the maximum
    await waitFor(async () => watchedReplicas() === 5, Math.max(1000, loadStarted + 120_000 - Date.now()), () => `5 replicas within 2 minutes of the load (timeline:\n${timeline()})`, 500);
    const dep = await c().json<Deployment>('get', 'deployment', 'burner');
    expect(dep.spec.replicas).toBe(5);
    const running = await waitFor(() => servingPods(c(), 'app=burner', 5), 60_000, '5 burner pods serving');
    expect(running).toHaveLength(5);

    const described = await ok(['describe', 'hpa', 'burner']);
    expect(described).toMatch(/^Reference:\s+Deployment\/burner$/m);
    expect(described).toMatch(/resource cpu on pods\s+\(as a percentage of request\):\s+\d+% \(\d+m\) \/ 50%/);
    expect(described).toMatch(/^Min replicas:\s+1$/m);
    expect(described).toMatch(/^Max replicas:\s+5$/m);
    expect(described).toMatch(/SuccessfulRescale\s+.*New size: [2-5]; reason: cpu resource utilization \(percentage of request\) above target/);
    // still busy beyond what 5 pods can take: the maximum is what holds it
    await waitFor(async () => /ScalingLimited\s+True\s+TooManyReplicas/.test(await ok(['describe', 'hpa', 'burner'])), 30_000, 'ScalingLimited True (TooManyReplicas)');
  }, 200_000);

  it('load stops: after the 20 s stabilization window it scales back down to 1', async () => {
    expect(load, 'the load of the previous test').toBeDefined();
    await load!.stop();
    loadStopped = Date.now();
    const atStop = watchedReplicas();
    expect(load!.requests).toBeGreaterThan(0);
    expect([...load!.refused], `pod IPs not on ${POD_BRIDGE}`).toEqual([]);

    await waitFor(async () => watchedReplicas() === 1, 120_000, () => `a scale-down to 1 (timeline:\n${timeline()})`, 500);
    const firstDown = replicasWatch!.changes.find((x) => x.at >= loadStopped && Number(x.value.split(' ')[0]) < atStop);
    expect(firstDown, timeline()).toBeDefined();
    // the last busy recommendation is at most one sync period old when the load stops, and it holds for the whole window
    expect((firstDown!.at - loadStopped) / 1000, timeline()).toBeGreaterThanOrEqual(STABILIZATION_S - SYNC_PERIOD_S - 1);

    const after = await waitFor(() => servingPods(c(), 'app=burner', 1), 60_000, 'only one burner pod left');
    expect(after).toHaveLength(1);
    const described = await ok(['describe', 'hpa', 'burner']);
    expect(described).toMatch(/SuccessfulRescale\s+.*New size: 1; reason: All metrics below target/);
    // REPLICAS is the count the autoscaler saw at its last sync: one period later it reads 1
    const table = await waitFor(
      async () => {
        const out = await ok(['get', 'hpa', 'burner']);
        return /^burner\s+Deployment\/burner\s+cpu: \d+%\/50%\s+1\s+5\s+1\s+/m.test(out) ? out : undefined;
      },
      30_000,
      'get hpa burner to show 1 replica',
    );
    expect(percent(targetsOf(table, 'burner'))).toBeLessThan(50);
  }, 150_000);
});
