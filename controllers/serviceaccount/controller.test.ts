import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { isNotFound, SharedInformerFactory, type ResourceRef } from '../../src/client/index.js';
import { startMemoryApiServer, type MemoryApiServer } from '../testing/apiserver.js';
import { ServiceAccountController } from './controller.js';

const namespaces: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };
const accounts: ResourceRef = { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true };

let api: MemoryApiServer;
const ctl = new AbortController();
let informers: SharedInformerFactory;
let running: Promise<void>;

beforeAll(async () => {
  api = await startMemoryApiServer();
  informers = new SharedInformerFactory(api.client, { onError: () => {} });
  const controller = new ServiceAccountController({ client: api.client, informers, log: pino({ level: 'silent' }) });
  informers.start();
  running = controller.start(ctl.signal);
});
afterAll(async () => {
  ctl.abort();
  await running;
  informers.shutdown();
  await api?.stop();
});

async function defaultAccount(ns: string, timeoutMs = 5000): Promise<{ uid?: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await api.client.resource(accounts).get(ns, 'default')).metadata;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ServiceAccount controller', () => {
  it('gives the built-in and every new namespace a default ServiceAccount, and recreates it when deleted', async () => {
    expect(await defaultAccount('kube-system')).toBeDefined();
    await api.client.resource(namespaces).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    const first = await defaultAccount('team-a');
    expect(first?.uid).toBeTruthy();
    await api.client.resource(accounts).delete('team-a', 'default');
    const deadline = Date.now() + 5000;
    let again = await defaultAccount('team-a');
    while (again?.uid === first?.uid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      again = await defaultAccount('team-a');
    }
    expect(again?.uid).toBeTruthy();
    expect(again?.uid).not.toBe(first?.uid);
  });
});
