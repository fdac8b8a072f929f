// What the integration tests of controllers share: a real apiserver on a real
// etcd for the whole file, optionally a controller-manager running the
// controllers under test for as long, and per test fresh namespaces, test
// kubelets and controller-managers that are stopped when the test ends.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { RestClient, type ResourceRef } from '../../src/client/index.js';
import type { ControllerDescriptor } from '../../controllers/controller.js';
import { ControllerManager, type ControllerManagerOptions } from '../../controllers/manager.js';
import { TestKubelet, type TestKubeletOptions } from '../../controllers/common/test-kubelet.js';
import { schedulerConfigFrom } from '../../scheduler/config.js';
import { SchedulerServer } from '../../scheduler/server.js';
import { startApiServer, type TestApiServer } from './apiserver.js';

export const ref = (group: string, version: string, plural: string, namespaced = true): ResourceRef => ({ group, version, plural, namespaced });
export const namespacesRef = ref('', 'v1', 'namespaces', false);

/** Leader election quick enough for a takeover within one test. */
export const fastElection = { leaseDurationSeconds: 2, renewDeadlineSeconds: 1.5, retryPeriodSeconds: 0.25 };

export interface ControllerTestEnvOptions {
  /** namespaces are named <prefix>-1, <prefix>-2, ... */
  namespacePrefix?: string;
  apiserver?: Parameters<typeof startApiServer>[0];
  /** runs once the apiserver is up, before the file's controllers start: what they should find there from the start */
  setUp?: (api: TestApiServer) => Promise<void>;
  /** run by a controller-manager for the whole file */
  controllers?: ControllerDescriptor[];
  /** that manager's; none by default */
  leaderElection?: ControllerManagerOptions['leaderElection'];
}

export interface ManagerOptions {
  controllers: ControllerDescriptor[];
  leaderElection?: ControllerManagerOptions['leaderElection'];
  /** a connection of its own, closed with it, so that stopping it is as abrupt as its process dying */
  ownClient?: boolean;
}

export interface ControllerTestEnv {
  /** the file's apiserver; there once the file's beforeAll hooks have run */
  readonly api: TestApiServer;
  /** the apiserver's admin client */
  readonly client: RestClient;
  /** the file's controller-manager, when controllers were given */
  readonly manager: ControllerManager;
  readonly kubeconfig: string;
  /** creates the next namespace */
  namespace(): Promise<string>;
  /** runs fn when the current test ends, the last registered first */
  afterTest(fn: () => Promise<void> | void): void;
  /** a started test kubelet, stopped when the test ends */
  startKubelet(opts?: TestKubeletOptions): Promise<TestKubelet>;
  /** a started controller-manager, stopped when the test ends, and the client it uses */
  startManager(opts: ManagerOptions): Promise<{ manager: ControllerManager; client: RestClient }>;
}

/** Registers the hooks that start and stop it all; call once, at the top of a test file. */
export function controllerTestEnv(opts: ControllerTestEnvOptions = {}): ControllerTestEnv {
  let api: TestApiServer | undefined;
  let fileManager: ControllerManager | undefined;
  let n = 0;
  const cleanups: (() => Promise<void> | void)[] = [];
  const started = (): TestApiServer => {
    if (!api) throw new Error('the apiserver is started by the beforeAll hook');
    return api;
  };
  const newManager = (client: RestClient, controllers: ControllerDescriptor[], leaderElection: ControllerManagerOptions['leaderElection']) =>
    new ControllerManager({ client, controllers, leaderElection: leaderElection ?? false, port: 0 });

  beforeAll(async () => {
    api = await startApiServer(opts.apiserver);
    await opts.setUp?.(api);
    if (opts.controllers) {
      fileManager = newManager(api.client, opts.controllers, opts.leaderElection);
      await fileManager.start();
    }
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  afterAll(async () => {
    await fileManager?.stop();
    // A connection that carried an aborted watch would hold the apiserver's shutdown for its keep-alive timeout.
    await api?.client.close();
    await api?.stop();
  });

  return {
    get api() {
      return started();
    },
    get client() {
      return started().client;
    },
    get manager() {
      if (!fileManager) throw new Error('no controllers were given for the whole file');
      return fileManager;
    },
    get kubeconfig() {
      return started().kubeconfig;
    },
    async namespace() {
      const name = `${opts.namespacePrefix ?? 'it'}-${++n}`;
      await started().client.resource(namespacesRef).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    afterTest(fn) {
      cleanups.push(fn);
    },
    async startKubelet(kubeletOpts = {}) {
      const k = new TestKubelet(started().client, kubeletOpts);
      await k.start();
      cleanups.push(() => k.stop());
      return k;
    },
    async startManager({ controllers, leaderElection, ownClient }) {
      const s = started();
      const client = ownClient
        ? new RestClient({ server: s.url, token: s.token, ca: s.ca, namespace: 'default', contextName: 'test' }, { rateLimit: false })
        : s.client;
      const manager = newManager(client, controllers, leaderElection);
      await manager.start();
      cleanups.push(async () => {
        await manager.stop();
        if (ownClient) await client.close();
      });
      return { manager, client };
    },
  };
}

/** A started scheduler without leader election that retries unschedulable pods within a second. */
export async function startScheduler(client: RestClient): Promise<SchedulerServer> {
  const scheduler = new SchedulerServer({
    client,
    config: schedulerConfigFrom({ podInitialBackoffSeconds: 0.1, podMaxBackoffSeconds: 1, leaderElection: { leaderElect: false } }),
    port: 0,
  });
  await scheduler.start();
  return scheduler;
}
