// Many simulated kubelets in one process ("hollow nodes", as Kubernetes'
// kubemark): each registers its node, renews its lease, reports status and
// runs its pods on a SimulatedRuntime, so the control plane can be driven at
// scale without containers. What can be shared is: one pod informer over
// every bound pod (indexed by node name) instead of a watch per node, one
// ticker, one client, one source of ConfigMaps and Secrets. Nodes get no
// volume directories.
import type { Logger } from 'pino';
import type { Taint } from '../src/api/core/v1.js';
import type { RestClient } from '../src/client/index.js';
import { IntervalTicker, Kubelet, type KubeletTiming } from './kubelet.js';
import type { KubeletMetrics } from './metrics.js';
import { apiObjectSource } from './object-source.js';
import { InformerPodSource } from './pod-source.js';
import { SimulatedRuntime } from './runtime/simulated.js';

export interface HollowNodesOptions {
  client: RestClient;
  count: number;
  /** nodes are named <prefix>-<i>, i from 0 */
  prefix: string;
  /** each node's InternalIP; default 127.0.0.1 for every node */
  nodeIP?: (index: number) => string;
  kubeletPort?: number;
  cpu?: string;
  memory?: string;
  maxPods?: number;
  nodeLabels?: Record<string, string>;
  registerWithTaints?: Taint[];
  clusterDNS?: string[];
  clusterDomain?: string;
  timing?: Partial<KubeletTiming>;
  metrics?: KubeletMetrics;
  log?: Logger;
  /** how many nodes register at once; default 50 */
  startConcurrency?: number;
}

export interface HollowNodes {
  kubelets: Kubelet[];
  runtimes: SimulatedRuntime[];
  stop(): Promise<void>;
}

/** Starts the nodes (registered, Ready, leases held) and resolves once every one has started. */
export async function runHollowNodes(opts: HollowNodesOptions): Promise<HollowNodes> {
  const podSource = new InformerPodSource(opts.client, {
    onError: (err) => opts.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'pod watch'),
  });
  const ticker = new IntervalTicker(Math.min(opts.timing?.relistMs ?? 1_000, 1_000));
  const objectSource = apiObjectSource(opts.client);
  const kubelets: Kubelet[] = [];
  const runtimes: SimulatedRuntime[] = [];
  for (let i = 0; i < opts.count; i++) {
    const nodeName = `${opts.prefix}-${i}`;
    const nodeIP = opts.nodeIP?.(i) ?? '127.0.0.1';
    const runtime = new SimulatedRuntime({ nodeName, nodeIP });
    runtimes.push(runtime);
    const kubelet = new Kubelet({
      client: opts.client,
      runtime,
      nodeName,
      nodeIP,
      podSource,
      objectSource,
      ticker,
      eventCacheSize: 64,
      ...(opts.kubeletPort !== undefined ? { kubeletPort: opts.kubeletPort } : {}),
      ...(opts.cpu ? { cpu: opts.cpu } : {}),
      ...(opts.memory ? { memory: opts.memory } : {}),
      ...(opts.maxPods !== undefined ? { maxPods: opts.maxPods } : {}),
      ...(opts.nodeLabels ? { nodeLabels: opts.nodeLabels } : {}),
      ...(opts.registerWithTaints ? { registerWithTaints: opts.registerWithTaints } : {}),
      ...(opts.clusterDNS ? { clusterDNS: opts.clusterDNS } : {}),
      ...(opts.clusterDomain ? { clusterDomain: opts.clusterDomain } : {}),
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.log ? { log: opts.log.child({ node: nodeName }) } : {}),
    });
    kubelets.push(kubelet);
  }

  const stop = async (): Promise<void> => {
    await Promise.all(kubelets.map((k) => k.stop()));
    podSource.stop();
    await Promise.all(runtimes.map((r) => r.close()));
  };

  podSource.start();
  const batch = Math.max(1, opts.startConcurrency ?? 50);
  try {
    for (let i = 0; i < kubelets.length; i += batch) {
      await Promise.all(kubelets.slice(i, i + batch).map((k) => k.start()));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { kubelets, runtimes, stop };
}
