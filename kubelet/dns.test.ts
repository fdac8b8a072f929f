import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Pod } from '../src/api/core/v1.js';
import { missingClusterDns, parseResolvConf, podDnsConfig, podHostAliases, podHostname } from './dns.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-dns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hostResolvConf = join(dir, 'resolv.conf');
writeFileSync(
  hostResolvConf,
  ['# generated', 'nameserver 192.168.1.1', 'nameserver 192.168.1.2', 'search corp.example. lab.example', 'options timeout:2 edns0', 'options timeout:3', ''].join('\n'),
);

function pod(spec: Partial<Pod['spec']> = {}, name = 'web-1'): Pod {
  return { metadata: { name, namespace: 'shop', uid: 'u1' }, spec: { containers: [], ...spec } };
}

const cluster = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf };

describe('parseResolvConf', () => {
  it('accumulates nameservers, keeps the last search line and the last value of each option', () => {
    expect(parseResolvConf('nameserver 1.1.1.1\nsearch a b\nsearch c. .\nnameserver 8.8.8.8\noptions ndots:2 rotate\noptions ndots:3')).toEqual({
      servers: ['1.1.1.1', '8.8.8.8'],
      searches: ['c'],
      options: ['ndots:3', 'rotate'],
    });
  });
});

describe('podDnsConfig', () => {
  it('ClusterFirst: cluster DNS only, cluster searches before the host ones, ndots:5', () => {
    expect(podDnsConfig(pod(), cluster)).toEqual({
      servers: ['10.96.0.10'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'],
      options: ['ndots:5'],
    });
  });

  it('ClusterFirst with hostNetwork behaves as Default; ClusterFirstWithHostNet keeps cluster DNS', () => {
    const hostFile = { servers: ['192.168.1.1', '192.168.1.2'], searches: ['corp.example', 'lab.example'], options: ['timeout:3', 'edns0'] };
    expect(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirst' }), cluster)).toEqual(hostFile);
    expect(podDnsConfig(pod({ dnsPolicy: 'Default' }), cluster)).toEqual(hostFile);
    expect(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster)?.servers).toEqual(['10.96.0.10']);
  });

  it('leaves the runtime default in place when the pod just uses the node resolver file', () => {
    expect(podDnsConfig(pod({ dnsPolicy: 'Default' }), { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' })).toBeUndefined();
  });

  it('falls back to Default without cluster DNS and says so', () => {
    const opts = { clusterDNS: [], clusterDomain: 'cluster.local', hostResolvConf };
    expect(missingClusterDns(pod(), opts)).toBe(true);
    expect(missingClusterDns(pod({ dnsPolicy: 'Default' }), opts)).toBe(false);
    expect(podDnsConfig(pod(), opts)?.servers).toEqual(['192.168.1.1', '192.168.1.2']);
  });

  it('None uses dnsConfig alone; dnsConfig merges into other policies, pod options winning', () => {
    const dnsConfig = { nameservers: ['1.2.3.4'], searches: ['my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
    expect(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig }), cluster)).toEqual({
      servers: ['1.2.3.4'],
      searches: ['my.dns.search.suffix'],
      options: ['ndots:2', 'edns0'],
    });
    expect(podDnsConfig(pod({ dnsConfig }), cluster)).toEqual({
      servers: ['10.96.0.10', '1.2.3.4'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'my.dns.search.suffix'],
      options: ['ndots:2', 'edns0'],
    });
  });

  it('keeps at most three nameservers and drops search domains past the limits', () => {
    const dnsConfig = { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'], searches: Array.from({ length: 40 }, (_, i) => `d${i}.example`) };
    const got = podDnsConfig(pod({ dnsConfig }), cluster)!;
    expect(got.servers).toEqual(['10.96.0.10', '1.1.1.1', '2.2.2.2']);
    expect(got.searches).toHaveLength(32);
    expect(got.searches[0]).toBe('shop.svc.cluster.local');
  });

  it('with no node resolver file, Default points at localhost', () => {
    expect(podDnsConfig(pod({ dnsPolicy: 'Default' }), { ...cluster, hostResolvConf: '' })).toEqual({ servers: ['127.0.0.1'], searches: ['.'], options: [] });
  });

  it('fails when the node resolver file cannot be read', () => {
    expect(() => podDnsConfig(pod(), { ...cluster, hostResolvConf: join(dir, 'missing') })).toThrow(/ENOENT/);
  });
});

describe('podHostAliases', () => {
  it('maps the pod IP to its hostname and subdomain FQDN, then the host aliases', () => {
    const p = pod({ hostname: 'db-0', subdomain: 'db', hostAliases: [{ ip: '10.0.0.9', hostnames: ['foo.local', 'bar.local'] }] });
    expect(podHostAliases(p, '10.1.0.7')).toEqual([
      { ip: '10.1.0.7', hostnames: ['db-0.db.shop.svc.cluster.local', 'db-0'] },
      { ip: '10.0.0.9', hostnames: ['foo.local', 'bar.local'] },
    ]);
    expect(podHostAliases(pod(), '10.1.0.8', 'corp.internal')).toEqual([{ ip: '10.1.0.8', hostnames: ['web-1'] }]);
  });

  it('adds only the aliases for host-network pods', () => {
    const p = pod({ hostNetwork: true, hostAliases: [{ ip: '10.0.0.9', hostnames: ['foo.local'] }] });
    expect(podHostAliases(p, '192.168.1.5')).toEqual([{ ip: '10.0.0.9', hostnames: ['foo.local'] }]);
  });

  it('truncates long pod names to a DNS label', () => {
    expect(podHostname(pod({}, `${'a'.repeat(62)}-bcd`))).toBe('a'.repeat(62));
  });
});
