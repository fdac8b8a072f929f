// The apiserver's own gRPC calls to etcd's KV, Watch and Lease services,
// against a real etcd (and, for the failures etcd does not produce on demand,
// a loopback HTTP/2 server that never answers and a loopback TCP relay that
// goes silent).
import { createServer, type Http2Server } from 'node:http2';
import { connect as tcpConnect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdGrpc, GrpcError, int64, Result, Target, type WatchResponseMessage } from '../apiserver/storage/etcd-grpc.js';
import { prefixEnd } from '../apiserver/storage/etcd.js';
import { EtcdStorage } from '../apiserver/storage/etcd.js';
import { startEtcd, type EtcdProcess } from './harness/etcd.js';

let etcd: EtcdProcess;
let kv: EtcdGrpc;
beforeAll(async () => {
  etcd = await startEtcd();
  kv = new EtcdGrpc([etcd.endpoint], 5_000);
});
afterAll(async () => {
  kv?.close();
  await etcd?.stop();
});

const key = (k: string) => Buffer.from(`/etcd-kv-test/${k}`);

describe('EtcdGrpc', () => {
  it('creates only when absent, updates only at the expected revision, and reads back what it wrote', async () => {
    const create = (value: string) =>
      kv.txn({
        compare: [{ key: key('a'), target: Target.Create, result: Result.Equal, create_revision: 0 }],
        success: [{ request_put: { key: key('a'), value: Buffer.from(value) } }],
        failure: [{ request_range: { key: key('a') } }],
      });
    const first = await create('one');
    expect(first.succeeded).toBe(true);
    const rev = int64(first.header.revision);
    expect(rev).toBeGreaterThan(0);

    const again = await create('two');
    expect(again.succeeded).toBe(false);
    const current = again.responses[0]?.response_range?.kvs[0];
    expect(current?.value.toString()).toBe('one');
    expect(int64(current?.mod_revision)).toBe(rev);

    const update = (expected: number, value: string) =>
      kv.txn({
        compare: [{ key: key('a'), target: Target.Mod, result: Result.Equal, mod_revision: expected }],
        success: [{ request_put: { key: key('a'), value: Buffer.from(value) } }],
        failure: [],
      });
    expect((await update(rev - 1, 'stale')).succeeded).toBe(false);
    const updated = await update(rev, 'three');
    expect(updated.succeeded).toBe(true);

    const read = await kv.range({ key: key('a') });
    expect(read.kvs.map((x) => x.value.toString())).toEqual(['three']);
    expect(int64(read.kvs[0]?.mod_revision)).toBe(int64(updated.header.revision));
    expect(int64(read.kvs[0]?.create_revision)).toBe(rev);
  });

  it('reads a range larger than one HTTP/2 frame, with limit, more and count', async () => {
    const big = Buffer.alloc(20_000, 'x');
    for (let i = 0; i < 100; i++) {
      await kv.txn({ compare: [], success: [{ request_put: { key: key(`big/${String(i).padStart(3, '0')}`), value: big } }], failure: [] });
    }
    const all = await kv.range({ key: key('big/'), range_end: key('big0') });
    expect(all.kvs).toHaveLength(100);
    expect(all.kvs.every((x) => x.value.equals(big))).toBe(true);
    expect(all.kvs.at(-1)?.key.toString()).toBe('/etcd-kv-test/big/099');

    const page = await kv.range({ key: key('big/'), range_end: key('big0'), limit: 10 });
    expect(page.kvs).toHaveLength(10);
    expect(page.more).toBe(true);
    expect(int64(page.count)).toBe(100);
  });

  it("passes etcd's own refusals on with their gRPC code and message", async () => {
    const now = int64((await kv.range({ key: key('a') })).header.revision);
    const err = await kv.range({ key: key('a'), revision: now + 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrpcError);
    expect((err as GrpcError).code).toBe(11);
    expect((err as GrpcError).message).toBe('11 OUT_OF_RANGE: etcdserver: mvcc: required revision is a future revision');
  });

  it('tries the next endpoint when a connection cannot be made, and fails with UNAVAILABLE when none can', async () => {
    const failover = new EtcdGrpc(['http://127.0.0.1:9', etcd.endpoint], 5_000);
    try {
      const read = await failover.range({ key: key('a') });
      expect(read.kvs.map((x) => x.value.toString())).toEqual(['three']);
    } finally {
      failover.close();
    }
    const down = new EtcdGrpc(['http://127.0.0.1:9'], 5_000);
    try {
      const err = await down.range({ key: key('a') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcError);
      expect((err as GrpcError).code).toBe(14);
    } finally {
      down.close();
    }
  });

  it('watches a prefix: created, then every put and delete in order with the previous value, until cancelled', async () => {
    const start = int64((await kv.range({ key: key('w/') })).header.revision) + 1;
    const seen: WatchResponseMessage[] = [];
    let ended: GrpcError | undefined;
    let cancelWatch = () => {};
    const created = new Promise<void>((resolve) => {
      const w = kv.watch(
        { key: key('w/'), range_end: prefixEnd('/etcd-kv-test/w/'), start_revision: start, prev_kv: true },
        {
          onResponse: (res) => {
            seen.push(res);
            if (res.created) resolve();
          },
          onEnd: (err) => (ended = err),
        },
      );
      cancelWatch = () => w.cancel();
    });
    await created;
    const put = (k: string, v: string) => kv.txn({ compare: [], success: [{ request_put: { key: key(k), value: Buffer.from(v) } }], failure: [] });
    await put('w/x', '1');
    await put('w/x', '2');
    await put('outside', 'not watched');
    await kv.txn({ compare: [], success: [{ request_delete_range: { key: key('w/x') } }], failure: [] });
    await until(() => seen.flatMap((r) => r.events).length === 3);
    const events = seen.flatMap((r) => r.events);
    expect(events.map((e) => [e.type, e.kv.key.toString(), e.kv.value.toString(), e.prev_kv?.value.toString()])).toEqual([
      [0, '/etcd-kv-test/w/x', '1', undefined],
      [0, '/etcd-kv-test/w/x', '2', '1'],
      [1, '/etcd-kv-test/w/x', '', '2'],
    ]);
    cancelWatch();
    await put('w/y', 'after cancel');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.flatMap((r) => r.events)).toHaveLength(3);
    expect(ended).toBeUndefined();
  });

  it('reports a watch from a compacted revision as cancelled, with the compact revision', async () => {
    const put = await kv.txn({ compare: [], success: [{ request_put: { key: key('c/x'), value: Buffer.from('1') } }], failure: [] });
    const rev = int64(put.header.revision);
    await kv.txn({ compare: [], success: [{ request_put: { key: key('c/x'), value: Buffer.from('2') } }], failure: [] });
    await kv.compact(rev + 1, true);
    const res = await new Promise<WatchResponseMessage>((resolve) => {
      kv.watch(
        { key: key('c/'), range_end: prefixEnd('/etcd-kv-test/c/'), start_revision: rev, prev_kv: true },
        { onResponse: (r) => r.canceled && resolve(r), onEnd: () => undefined },
      );
    });
    expect(int64(res.compact_revision)).toBe(rev + 1);
  });

  it('grants a lease whose 64-bit ID etcd accepts back on a write', async () => {
    const id = await kv.leaseGrant(60);
    expect(id).toMatch(/^\d+$/);
    const res = await kv.txn({ compare: [], success: [{ request_put: { key: key('leased'), value: Buffer.from('x'), lease: id } }], failure: [] });
    expect(res.succeeded).toBe(true);
    // a lease etcd never granted is refused, so the ID above went through exactly
    const wrong = await kv
      .txn({ compare: [], success: [{ request_put: { key: key('leased'), value: Buffer.from('x'), lease: '12345' } }], failure: [] })
      .catch((e: unknown) => e);
    expect((wrong as GrpcError).message).toContain('lease not found');
  });

  it('ends a watch when its connection goes silent and pings stay unanswered', async () => {
    // a TCP relay to etcd that can stop passing bytes without closing anything
    let silent = false;
    const sockets: Socket[] = [];
    const relay = createTcpServer((client) => {
      const upstream = tcpConnect(Number(new URL(etcd.endpoint).port), '127.0.0.1');
      sockets.push(client, upstream);
      client.on('data', (d) => silent || upstream.write(d));
      upstream.on('data', (d) => silent || client.write(d));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const through = new EtcdGrpc([`http://127.0.0.1:${(relay.address() as AddressInfo).port}`], 5_000, { interval: 100, timeout: 300 });
    try {
      let created!: () => void;
      const isCreated = new Promise<void>((resolve) => (created = resolve));
      const ended = new Promise<GrpcError>((resolve) => {
        through.watch(
          { key: key('s/'), range_end: prefixEnd('/etcd-kv-test/s/'), start_revision: 0, prev_kv: true },
          { onResponse: (r) => r.created && created(), onEnd: resolve },
        );
      });
      await isCreated;
      silent = true;
      const err = await ended;
      expect(err.code).toBe(14);
      expect(err.message).toContain('did not answer a ping');
    } finally {
      through.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  describe('against a server that takes the call and never answers', () => {
    let silent: Http2Server;
    let endpoint: string;
    let received = 0;
    beforeAll(async () => {
      silent = createServer();
      silent.on('stream', () => {
        received++;
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('fails the call with DEADLINE_EXCEEDED at its deadline and does not send it again', async () => {
      const hung = new EtcdGrpc([endpoint, etcd.endpoint], 300);
      try {
        const err = await hung.range({ key: key('a') }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GrpcError);
        expect((err as GrpcError).code).toBe(4);
        expect(received).toBe(1);
      } finally {
        hung.close();
      }
    });

    it('is Unavailable to the storage, as an unreachable etcd is', async () => {
      const storage = new EtcdStorage({ endpoints: [endpoint], requestTimeoutMs: 300 });
      try {
        await expect(storage.create('/registry/pods/ns/x', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } })).rejects.toMatchObject({
          kind: 'Unavailable',
        });
      } finally {
        await storage.close();
      }
    });
  });
});

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
