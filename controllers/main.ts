// `skiff controller-manager`: flags to options, the list of controllers this
// build knows, and the process around the manager (signals, exit).
import { untilShutdown } from '../src/component/shutdown.js';
import { createLogger } from '../src/log.js';
import { RestClient } from '../src/client/index.js';
import type { ControllerDescriptor } from './controller.js';
import { ControllerManager, defaultKubeApiBurst, defaultKubeApiQps, defaultPort } from './manager.js';
import { namespaceController } from './namespace/controller.js';
import { replicaSetController } from './replicaset/controller.js';
import { deploymentController } from './deployment/controller.js';
import { garbageCollectorController } from './garbagecollector/controller.js';
import { endpointsController } from './endpoints/controller.js';
import { endpointSliceController } from './endpointslice/controller.js';
import { serviceAccountController } from './serviceaccount/controller.js';
import { nodeLifecycleController } from './nodelifecycle/controller.js';
import { taintEvictionController } from './nodelifecycle/taint-eviction.js';
import { nodeLifecycleOptionsFromFlags, type NodeLifecycleFlags } from './nodelifecycle/flags.js';
import { disruptionController } from './disruption/controller.js';
import { daemonSetController } from './daemonset/controller.js';
import { statefulSetController } from './statefulset/controller.js';
import { jobController } from './job/controller.js';
import { ttlAfterFinishedController } from './job/ttl-after-finished.js';
import { cronJobController } from './cronjob/controller.js';
import { horizontalPodAutoscalerController } from './podautoscaler/controller.js';
import { horizontalPodAutoscalerOptionsFromFlags, type HorizontalPodAutoscalerFlags } from './podautoscaler/flags.js';

export interface ControllerManagerFlags extends NodeLifecycleFlags, HorizontalPodAutoscalerFlags {
  kubeconfig?: string;
  /** /healthz and /metrics; 0 = off */
  port?: number;
  leaderElect?: boolean;
  /** comma-separated: "*" for every controller on by default, "foo" to enable, "-foo" to disable */
  controllers?: string;
  logLevel?: string;
  /** each controller's client-side limit (kube-controller-manager's --kube-api-qps, --kube-api-burst) */
  kubeApiQps?: number;
  kubeApiBurst?: number;
}

/** Every controller this build can run. */
export function knownControllers(flags: ControllerManagerFlags = {}): ControllerDescriptor[] {
  return [namespaceController(), replicaSetController(), deploymentController(), garbageCollectorController(), endpointsController(), endpointSliceController(), serviceAccountController(), nodeLifecycleController(nodeLifecycleOptionsFromFlags(flags)), taintEvictionController(), disruptionController(), daemonSetController(), statefulSetController(), jobController(), ttlAfterFinishedController(), cronJobController(), horizontalPodAutoscalerController(horizontalPodAutoscalerOptionsFromFlags(flags))];
}

/**
 * Kubernetes' --controllers semantics: a name enables, "-name" disables
 * (and wins), "*" enables every controller that is on by default.
 */
export function selectControllers(spec: string[], known: ControllerDescriptor[]): ControllerDescriptor[] {
  const names = new Set(known.map((c) => c.name));
  for (const raw of spec) {
    const name = raw.startsWith('-') ? raw.slice(1) : raw;
    if (name !== '*' && !names.has(name)) {
      throw new Error(`"${name}" is not in the list of known controllers (${[...names].sort().join(', ')})`);
    }
  }
  const set = new Set(spec);
  return known.filter((c) => {
    if (set.has(`-${c.name}`)) return false;
    if (set.has(c.name)) return true;
    return set.has('*') && !c.disabledByDefault;
  });
}

export function parseControllerList(value: string | undefined): string[] {
  const list = (value ?? '*')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : ['*'];
}

/**
 * Runs the controller-manager until SIGTERM or SIGINT (or the signal given),
 * then shuts down cleanly: controllers finish the key in hand, the lease is
 * released for the next replica, connections are closed. A second SIGTERM or
 * SIGINT exits at once.
 */
export async function runControllerManager(flags: ControllerManagerFlags, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const log = createLogger('controller-manager', flags.logLevel ?? 'info');
  const controllers = selectControllers(parseControllerList(flags.controllers), knownControllers(flags));
  const qps = flags.kubeApiQps ?? defaultKubeApiQps;
  const burst = flags.kubeApiBurst ?? defaultKubeApiBurst;
  const client = RestClient.fromKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {}, {
    userAgent: 'skiff-controller-manager',
    qps,
    burst,
  });
  const manager = new ControllerManager({
    client,
    kubeApiQps: qps,
    kubeApiBurst: burst,
    controllers,
    leaderElection: flags.leaderElect === false ? false : {},
    port: flags.port ?? defaultPort,
    log,
  });
  const address = await manager.start();
  log.info(
    {
      server: client.config.server,
      controllers: controllers.map((c) => c.name),
      kubeApiQps: qps,
      kubeApiBurst: burst,
      leaderElection: flags.leaderElect !== false,
      identity: manager.identity,
      ...(address ? { serving: address } : {}),
    },
    'controller-manager started',
  );

  await untilShutdown(log, opts.signal);
  await manager.stop();
  await client.close();
  log.info('controller-manager stopped');
}
