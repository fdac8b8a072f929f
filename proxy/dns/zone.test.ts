import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { fakeSources, service, slice } from '../testing/fake-sources.js';
import { handleQuery, type Forwarder } from './messages.js';
import { ClusterZone } from './zone.js';

function cluster() {
  return fakeSources(
    [
      service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }, { port: 9000 }] }),
      service('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
      service('shop', 'ext', { type: 'ExternalName', externalName: 'db.example.org' }),
    ],
    [
      slice('default', 'web', [{ ip: '172.17.0.2' }], [{ name: 'http', port: 8080 }]),
      slice('default', 'db', [{ ip: '172.17.0.5', hostname: 'db-0' }, { ip: '172.17.0.6', hostname: 'db-1' }, { ip: '172.17.0.7', ready: false, hostname: 'db-2' }], [
        { name: 'pg', port: 5432 },
      ]),
    ],
  );
}

async function ask(zone: ClusterZone, name: string, type: dnsPacket.RecordType, opts: { transport?: 'udp' | 'tcp'; forward?: Forwarder } = {}) {
  const query = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
  const handled = await handleQuery(query, opts.transport ?? 'udp', zone, opts.forward);
  const res = dnsPacket.decode(handled!.response) as dnsPacket.DecodedPacket & { rcode: string };
  return res;
}

const data = (res: dnsPacket.DecodedPacket) => (res.answers ?? []).map((a) => ('data' in a ? a.data : undefined));

describe('cluster zone', () => {
  const zone = new ClusterZone(cluster().sources);

  it('answers a service name with its cluster IP, authoritatively, with the question\'s case', async () => {
    const res = await ask(zone, 'Web.Default.svc.cluster.local', 'A');
    expect(res.id).toBe(4242);
    expect(res.rcode).toBe('NOERROR');
    expect(res.flag_aa).toBe(true);
    expect(res.flag_rd).toBe(true);
    expect(res.answers).toEqual([expect.objectContaining({ type: 'A', name: 'Web.Default.svc.cluster.local', ttl: 5, data: '10.96.0.20' })]);
  });

  it('answers a headless service with its ready endpoints only', async () => {
    const res = await ask(zone, 'db.default.svc.cluster.local', 'A');
    expect(data(res).sort()).toEqual(['172.17.0.5', '172.17.0.6']);
  });

  it('answers an endpoint with a hostname (StatefulSet pod) by name', async () => {
    expect(data(await ask(zone, 'db-1.db.default.svc.cluster.local', 'A'))).toEqual(['172.17.0.6']);
    expect((await ask(zone, 'db-2.db.default.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
  });

  it('gives SRV records for named ports, with the targets\' addresses in the additional section', async () => {
    const res = await ask(zone, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    expect(res.answers).toEqual([
      expect.objectContaining({ type: 'SRV', data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } }),
    ]);
    expect(res.additionals?.filter((a) => a.type === 'A').map((a) => ('data' in a ? a.data : ''))).toEqual(['10.96.0.20']);
    const udp = await ask(zone, '_dns._udp.web.default.svc.cluster.local', 'SRV');
    expect(udp.answers?.[0]).toMatchObject({ data: { port: 53 } });
    expect((await ask(zone, '_dns._tcp.web.default.svc.cluster.local', 'SRV')).rcode).toBe('NXDOMAIN');
  });

  it('gives a headless service one SRV record per ready endpoint, named by its hostname', async () => {
    const res = await ask(zone, '_pg._tcp.db.default.svc.cluster.local', 'SRV');
    expect(res.answers?.map((a) => ('data' in a ? a.data : undefined))).toEqual([
      { priority: 0, weight: 50, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 5432, target: 'db-1.db.default.svc.cluster.local' },
    ]);
    expect(res.additionals?.filter((a) => a.type === 'A').map((a) => ('data' in a ? a.data : ''))).toEqual(['172.17.0.5', '172.17.0.6']);
  });

  it('answers NXDOMAIN for unknown names in the zone, with the SOA', async () => {
    for (const name of ['nope.default.svc.cluster.local', 'web.nowhere.svc.cluster.local', 'a.b.c.d.e.svc.cluster.local', 'x.cluster.local']) {
      const res = await ask(zone, name, 'A');
      expect(res.rcode, name).toBe('NXDOMAIN');
      expect(res.authorities?.[0]).toMatchObject({ type: 'SOA', name: 'cluster.local' });
    }
  });

  it('answers NOERROR with no records for a name that exists without the asked type (AAAA of an IPv4 service)', async () => {
    const res = await ask(zone, 'web.default.svc.cluster.local', 'AAAA');
    expect(res.rcode).toBe('NOERROR');
    expect(res.answers).toEqual([]);
    expect(res.authorities?.[0]?.type).toBe('SOA');
    expect((await ask(zone, 'default.svc.cluster.local', 'A')).rcode).toBe('NOERROR');
    expect((await ask(zone, 'svc.cluster.local', 'A')).rcode).toBe('NOERROR');
  });

  it('answers an ExternalName service with a CNAME', async () => {
    expect((await ask(zone, 'ext.shop.svc.cluster.local', 'A')).answers).toEqual([
      expect.objectContaining({ type: 'CNAME', data: 'db.example.org' }),
    ]);
  });

  it('answers pod names from their dashed address, and PTR for cluster IPs and endpoints', async () => {
    expect(data(await ask(zone, '172-17-0-9.default.pod.cluster.local', 'A'))).toEqual(['172.17.0.9']);
    expect(data(await ask(zone, '20.0.96.10.in-addr.arpa', 'PTR'))).toEqual(['web.default.svc.cluster.local']);
    expect(data(await ask(zone, '5.0.17.172.in-addr.arpa', 'PTR'))).toEqual(['db-0.db.default.svc.cluster.local']);
  });

  it('refuses names outside the cluster zone when there is no upstream, and forwards them when there is', async () => {
    const refused = await ask(zone, 'example.org', 'A');
    expect(refused.rcode).toBe('REFUSED');
    expect(refused.answers).toEqual([]);
    const seen: string[] = [];
    const forward: Forwarder = async (q, transport) => {
      seen.push(transport);
      const query = dnsPacket.decode(q);
      return dnsPacket.encode({ type: 'response', id: query.id, questions: query.questions, answers: [{ type: 'A', name: 'example.org', data: '127.0.0.9' }] });
    };
    const res = await ask(zone, 'example.org', 'A', { forward, transport: 'tcp' });
    expect(data(res)).toEqual(['127.0.0.9']);
    expect(seen).toEqual(['tcp']);
    expect((await ask(zone, '1.2.3.4.in-addr.arpa', 'PTR')).rcode).toBe('REFUSED');
  });

  it('truncates a UDP answer too big for 512 bytes, and not a TCP one', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ ip: `172.17.1.${i + 1}` }));
    const big = new ClusterZone(
      fakeSources([service('default', 'big', { clusterIP: 'None', ports: [{ port: 80 }] })], [slice('default', 'big', many, [{ port: 80 }])]).sources,
    );
    const udp = await ask(big, 'big.default.svc.cluster.local', 'A');
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);
    const tcp = await ask(big, 'big.default.svc.cluster.local', 'A', { transport: 'tcp' });
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(60);
  });

  it('follows the caches: a service created after the zone is answered at once', async () => {
    const f = fakeSources();
    const z = new ClusterZone(f.sources, { domain: 'example.internal' });
    expect((await ask(z, 'late.default.svc.example.internal', 'A')).rcode).toBe('NXDOMAIN');
    f.services.add(service('default', 'late', { clusterIP: '10.96.3.3', ports: [{ port: 80 }] }));
    expect(data(await ask(z, 'late.default.svc.example.internal', 'A'))).toEqual(['10.96.3.3']);
    expect((await ask(z, 'late.default.svc.cluster.local', 'A')).rcode).toBe('REFUSED');
  });
});
