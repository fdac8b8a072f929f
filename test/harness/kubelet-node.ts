// A node whose kubelet server runs over the real Docker runtime behind a real
// apiserver, for the tests of pods/log, pods/exec and the kubelet's own
// endpoints: the apiserver reaches the server with its kubelet client
// certificate, the Node object names the server's address and port, and the
// test runs the containers itself through the runtime, as the kubelet would.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Node, Pod } from '../../src/api/core/v1.js';
import { findResource } from '../../src/api/resources.js';
import { ensureApiserverKubeletClientCert, ensureCA } from '../../src/cluster/pki.js';
import type { ResourceClient } from '../../src/client/rest.js';
import { DockerRuntime } from '../../kubelet/runtime/docker.js';
import type { ContainerConfig, PodSandboxConfig } from '../../kubelet/runtime/interface.js';
import { KubeletServer } from '../../kubelet/server/server.js';
import { startApiServer, type TestApiServer } from './apiserver.js';
import { BUSYBOX_IMAGE, ensureTestImages, removeContainersOfNode, requireDocker, uniqueNodeName } from './docker.js';

export type ContainerRun = Partial<ContainerConfig> & { name: string; command: string[] };

export interface KubeletNode {
  readonly name: string;
  readonly docker: Docker;
  readonly runtime: DockerRuntime;
  readonly api: TestApiServer;
  readonly server: KubeletServer;
  /** the apiserver's kubelet client certificate, to call the server as the apiserver does */
  readonly clientCert: { cert: Buffer; key: Buffer };
  readonly podsApi: ResourceClient<Pod>;
  /** the pods bound to this node, as the server knows them */
  readonly pods: Pod[];
  /** creates the pod in namespace default and brings `pods` up to date */
  createPod(pod: Pod): Promise<Pod>;
  /** the sandbox the kubelet would run for the pod (first attempt) */
  sandboxConfig(pod: Pod): PodSandboxConfig;
  /** runs the pod's sandbox and these containers (busybox unless told otherwise) in it; their ids */
  runContainers(pod: Pod, containers: ContainerRun[]): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startKubeletNode(prefix: string): Promise<KubeletNode> {
  const name = uniqueNodeName(prefix);
  const docker = await requireDocker();
  await ensureTestImages();
  const runtime = new DockerRuntime({ nodeName: name, docker, allowPull: false, nodeIP: '127.0.0.1' });
  const pki = mkdtempSync(join(tmpdir(), `skiff-${prefix}-`));
  let api: TestApiServer | undefined;
  let server: KubeletServer | undefined;
  const stop = async (): Promise<void> => {
    await server?.stop();
    await api?.stop();
    await runtime.close();
    await removeContainersOfNode(docker, name);
    rmSync(pki, { recursive: true, force: true });
  };
  try {
    const ca = ensureCA(pki);
    const files = ensureApiserverKubeletClientCert(pki);
    const clientCert = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
    api = await startApiServer({ kubeletClient: clientCert });
    const podsApi = api.client.resource<Pod>(findResource('', 'v1', 'pods')!);
    let pods: Pod[] = [];
    server = new KubeletServer({ runtime, nodeName: name, host: '127.0.0.1', port: 0, clientCaFile: ca.certFile, pods: () => pods });
    await server.start();
    const nodes = api.client.resource<Node>(findResource('', 'v1', 'nodes')!);
    const created = await nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name } } as Node);
    await nodes.updateStatus(undefined, {
      ...created,
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }],
        daemonEndpoints: { kubeletEndpoint: { Port: server.port } },
      },
    } as Node);
    const sandboxConfig = (pod: Pod): PodSandboxConfig => ({
      podName: pod.metadata.name!,
      namespace: 'default',
      uid: pod.metadata.uid!,
      attempt: 0,
      hostname: pod.metadata.name!,
      hostNetwork: false,
      portMappings: [],
    });
    return {
      name,
      docker,
      runtime,
      api,
      server,
      clientCert,
      podsApi,
      get pods() {
        return pods;
      },
      async createPod(pod) {
        const made = await podsApi.create('default', pod);
        pods = (await podsApi.list('default')).items.filter((p) => p.spec?.nodeName === name);
        return made;
      },
      sandboxConfig,
      async runContainers(pod, containers) {
        const sandbox = sandboxConfig(pod);
        const sandboxId = await runtime.runPodSandbox(sandbox);
        const ids: string[] = [];
        for (const c of containers) {
          const id = await runtime.createContainer(sandboxId, { image: BUSYBOX_IMAGE, env: [], mounts: [], attempt: 0, ...c }, sandbox);
          await runtime.startContainer(id);
          ids.push(id);
        }
        return ids;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
