import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configMapObject, containerNameFromImage, deploymentObject, parseEnvFile, secretObject, serviceObject } from './generators.js';

describe('create generators (as kubectl builds the objects)', () => {
  it('builds a deployment labelled app=NAME, container named after the image, port on the first container', () => {
    expect(deploymentObject({ name: 'web', images: ['registry.local:5000/team/nginx:1.2', 'busybox@sha256:abc'], port: 80, replicas: 2 })).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { creationTimestamp: null, labels: { app: 'web' }, name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        strategy: {},
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: {
            containers: [
              { image: 'registry.local:5000/team/nginx:1.2', name: 'nginx', ports: [{ containerPort: 80 }], resources: {} },
              { image: 'busybox@sha256:abc', name: 'busybox', resources: {} },
            ],
          },
        },
      },
      status: {},
    });
    expect(containerNameFromImage('my_image:1')).toBe('my-image');
    expect(() => deploymentObject({ name: 'x', images: [] })).toThrow(/required flag\(s\) "image" not set/);
  });

  it('builds a ClusterIP service with ports named port-target', () => {
    expect(serviceObject({ name: 'svc', type: 'ClusterIP', tcp: ['5678:8080', '80'] }).spec).toEqual({
      ports: [
        { name: '5678-8080', port: 5678, protocol: 'TCP', targetPort: 8080 },
        { name: '80-80', port: 80, protocol: 'TCP', targetPort: 80 },
      ],
      selector: { app: 'svc' },
      type: 'ClusterIP',
    });
    expect(() => serviceObject({ name: 's', type: 'NodePort', tcp: [] })).toThrow(/at least one tcp port/);
  });

  describe('data sources', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'skiff-create-'));
      writeFileSync(join(dir, 'app.conf'), 'debug=true\n');
      writeFileSync(join(dir, 'blob.bin'), Buffer.from([0xff, 0xfe, 0x00]));
      writeFileSync(join(dir, 'vars.env'), '# comment\nA=1\n\nB=two=2\n');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('puts text in data and binary files in binaryData', () => {
      const cm = configMapObject('cfg', { fromFile: [join(dir, 'app.conf'), `renamed=${join(dir, 'blob.bin')}`], fromLiteral: ['k=v=w'] });
      expect(cm.data).toEqual({ 'app.conf': 'debug=true\n', k: 'v=w' });
      expect(cm.binaryData).toEqual({ renamed: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') });
    });

    it('reads env files and refuses a key given twice', () => {
      expect(configMapObject('e', { fromEnvFile: [join(dir, 'vars.env')] }).data).toEqual({ A: '1', B: 'two=2' });
      expect(() => configMapObject('e', { fromLiteral: ['A=1'], fromEnvFile: [join(dir, 'vars.env')] })).toThrow(
        /cannot add key A, another key by that name already exists/,
      );
      expect(() => parseEnvFile('1BAD=x', 'f')).toThrow(/"1BAD" is not a valid key name/);
    });

    it('base64-encodes secret data and keeps the type', () => {
      expect(secretObject('s', { fromLiteral: ['password=hunter2'] }, 'Opaque')).toEqual({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { creationTimestamp: null, name: 's' },
        data: { password: Buffer.from('hunter2').toString('base64') },
        type: 'Opaque',
      });
    });
  });
});
