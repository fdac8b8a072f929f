// The apiserver's own gRPC calls to etcd's KV service, against a real etcd
// (and, for the failures etcd does not produce on demand, a loopback HTTP/2
// server that never answers).
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdKV, GrpcError, int64, Result, Target } from '../apiserver/storage/etcd-kv.js';
import { EtcdStorage } from '../apiserver/storage/etcd.js';
import { startEtcd, type EtcdProcess } from './harness/etcd.js';

let etcd: EtcdProcess;
let kv: EtcdKV;
beforeAll(async () => {
  etcd = await startEtcd();
  kv = new EtcdKV([etcd.endpoint], 5_000);
});
afterAll(async () => {
  kv?.close();
  await etcd?.stop();
});

const key = (k: string) => Buffer.from(`/etcd-kv-test/${k}`);

describe('EtcdKV', () => {
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
    const failover = new EtcdKV(['http://127.0.0.1:9', etcd.endpoint], 5_000);
    try {
      const read = await failover.range({ key: key('a') });
      expect(read.kvs.map((x) => x.value.toString())).toEqual(['three']);
    } finally {
      failover.close();
    }
    const down = new EtcdKV(['http://127.0.0.1:9'], 5_000);
    try {
      const err = await down.range({ key: key('a') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrpcError);
      expect((err as GrpcError).code).toBe(14);
    } finally {
      down.close();
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
      const hung = new EtcdKV([endpoint, etcd.endpoint], 300);
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
