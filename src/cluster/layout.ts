// Where each component of a local cluster lives: node names, node IPs,
// ports, files. One place, so that `skiff up`, `skiff status` and `skiff down`
// agree, and several clusters (different homes, different base ports) can
// sit side by side on one machine.
import { join } from 'node:path';

export interface LayoutOptions {
  home: string;
  nodes: number;
  apiserverPort: number;
  etcdPort: number;
  etcdPeerPort: number;
  /** kubelet healthz/server and proxy healthz ports are offset from here per node */
  nodePortBase?: number;
  /** the third octet of the node IPs: 127.0.<n>.<i> */
  nodeNet?: number;
  /** node names are <prefix>-<i>; clusters sharing one Docker engine need different prefixes */
  nodePrefix?: string;
}

export interface NodeLayout {
  name: string;
  ip: string;
  kubeletPort: number;
  kubeletHealthzPort: number;
  proxyHealthzPort: number;
  rootDir: string;
}

export interface ClusterLayout {
  home: string;
  logs: string;
  pki: string;
  etcdData: string;
  apiserverURL: string;
  controllerManagerPort: number;
  schedulerPort: number;
  dnsHealthzPort: number;
  metricsServerPort: number;
  nodes: NodeLayout[];
}

export function clusterLayout(o: LayoutOptions): ClusterLayout {
  const base = o.nodePortBase ?? 10248;
  const net = o.nodeNet ?? 1;
  return {
    home: o.home,
    logs: join(o.home, 'logs'),
    pki: join(o.home, 'pki'),
    etcdData: join(o.home, 'etcd'),
    apiserverURL: `https://127.0.0.1:${o.apiserverPort}`,
    controllerManagerPort: o.apiserverPort + 3814, // 10257 beside the default 6443, as Kubernetes
    schedulerPort: o.apiserverPort + 3816, // 10259
    dnsHealthzPort: base + 7, // 10255 beside the default base
    metricsServerPort: o.apiserverPort - 2000, // 4443 beside the default 6443, as metrics-server
    nodes: Array.from({ length: o.nodes }, (_, k) => {
      const i = k + 1;
      const name = `${o.nodePrefix ?? 'skiff-node'}-${i}`;
      // kubelets listen on their own node IP, so each can keep Kubernetes' port 10250
      return {
        name,
        ip: `127.0.${net}.${i}`,
        kubeletPort: base + 2,
        kubeletHealthzPort: base + 10 * k,
        proxyHealthzPort: base + 10 * k + 8,
        rootDir: join(o.home, 'nodes', name),
      };
    }),
  };
}
