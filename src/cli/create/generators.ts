// The objects `skiff create <kind> NAME ...` builds, field for field as
// kubectl's generators build them (labels app=NAME, container names from
// image names, port names like "5678-8080").
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { KubeObject } from '../../api/meta.js';
import { CliError } from '../action.js';

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { creationTimestamp: null, name }, spec: {}, status: {} };
}

export interface DeploymentArgs {
  name: string;
  images: string[];
  replicas?: number;
  port?: number;
  command?: string[];
}

/** The container name kubectl derives from an image: its last path segment without tag or digest. */
export function containerNameFromImage(image: string): string {
  let name = image.split('/').pop() ?? image;
  name = name.split('@')[0]!;
  name = name.split(':')[0]!;
  return name.replace(/_/g, '-');
}

export function deploymentObject(a: DeploymentArgs): KubeObject {
  if (a.images.length === 0) throw new CliError('required flag(s) "image" not set');
  const labels = { app: a.name };
  // kubectl puts --port on the first container only.
  const containers = a.images.map((image, i) => {
    return {
      image,
      name: containerNameFromImage(image),
      ...(a.command && a.command.length > 0 ? { command: a.command } : {}),
      ...(a.port !== undefined && i === 0 ? { ports: [{ containerPort: a.port }] } : {}),
      resources: {},
    };
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { creationTimestamp: null, labels: { ...labels }, name: a.name },
    spec: {
      replicas: a.replicas ?? 1,
      selector: { matchLabels: { ...labels } },
      strategy: {},
      template: {
        metadata: { creationTimestamp: null, labels: { ...labels } },
        spec: { containers },
      },
    },
    status: {},
  };
}

export interface DataSources {
  fromLiteral?: string[];
  fromFile?: string[];
  fromEnvFile?: string[];
}

/** key=value from --from-literal; the value may itself contain "=". */
function parseLiteral(s: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new CliError(`invalid literal source ${s}, expected key=value`);
  return [s.slice(0, eq), s.slice(eq + 1)];
}

const KEY_RE = /^[-._a-zA-Z0-9]+$/;

function checkKey(key: string): void {
  if (!KEY_RE.test(key) || key.length > 253) {
    throw new CliError(`"${key}" is not a valid key name: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
  }
}

/** The key=value pairs of a dotenv-style file, as kubectl reads --from-env-file. */
export function parseEnvFile(text: string, source: string): [string, string][] {
  const out: [string, string][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trimStart();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq < 0) {
      const key = line.trim();
      const value = process.env[key];
      if (value === undefined) return;
      out.push([key, value]);
      return;
    }
    const key = line.slice(0, eq);
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
      throw new CliError(`"${key}" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (line ${i + 1} of ${source})`);
    }
    out.push([key, line.slice(eq + 1)]);
  });
  return out;
}

/** Every (key, bytes) pair the flags name, in flag order; a repeated key is refused as kubectl refuses it. */
export function collectData(src: DataSources, what: 'configmap' | 'secret'): { key: string; value: Buffer }[] {
  const out: { key: string; value: Buffer }[] = [];
  const add = (key: string, value: Buffer): void => {
    checkKey(key);
    if (out.some((e) => e.key === key)) {
      throw new CliError(
        what === 'configmap'
          ? `cannot add key ${key}, another key by that name already exists in Data for ConfigMap`
          : `cannot add key ${key}, another key by that name already exists in Data for Secret`,
      );
    }
    out.push({ key, value });
  };
  for (const spec of src.fromFile ?? []) {
    const eq = spec.indexOf('=');
    const key = eq > 0 ? spec.slice(0, eq) : undefined;
    const path = eq > 0 ? spec.slice(eq + 1) : spec;
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new CliError(`error reading ${path}: no such file or directory`);
    }
    if (st.isDirectory()) {
      if (key) throw new CliError('cannot give a key name for a directory path');
      for (const f of readdirSync(path).sort()) {
        const full = join(path, f);
        if (statSync(full).isFile()) add(f, readFileSync(full));
      }
    } else {
      add(key ?? basename(path), readFileSync(path));
    }
  }
  for (const lit of src.fromLiteral ?? []) {
    const [k, v] = parseLiteral(lit);
    add(k, Buffer.from(v, 'utf8'));
  }
  for (const file of src.fromEnvFile ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CliError(`error reading ${file}: no such file or directory`);
    }
    for (const [k, v] of parseEnvFile(text, file)) add(k, Buffer.from(v, 'utf8'));
  }
  return out;
}

const isUtf8Text = (b: Buffer): boolean => {
  const s = b.toString('utf8');
  return Buffer.from(s, 'utf8').equals(b);
};

export function configMapObject(name: string, src: DataSources): KubeObject {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const { key, value } of collectData(src, 'configmap')) {
    if (isUtf8Text(value)) data[key] = value.toString('utf8');
    else binaryData[key] = value.toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { creationTimestamp: null, name },
    ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

export function secretObject(name: string, src: DataSources, type?: string): KubeObject {
  const data: Record<string, string> = {};
  for (const { key, value } of collectData(src, 'secret')) data[key] = value.toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { creationTimestamp: null, name },
    ...(Object.keys(data).length > 0 ? { data } : {}),
    ...(type ? { type } : {}),
  };
}

export interface ServiceArgs {
  name: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  tcp: string[];
  clusterIP?: string;
  nodePort?: number;
}

/** --tcp=port[:targetPort] pairs become ports named "port-target", kubectl's way. */
export function serviceObject(a: ServiceArgs): KubeObject {
  if (a.tcp.length === 0 && a.clusterIP !== 'None') throw new CliError('at least one tcp port specifier must be provided');
  const ports = a.tcp.map((spec) => {
    const [p, t] = spec.split(':');
    const port = Number(p);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`invalid port: ${spec}`);
    const targetRaw = t ?? p!;
    const target: number | string = /^\d+$/.test(targetRaw) ? Number(targetRaw) : targetRaw;
    return {
      name: `${p}-${targetRaw}`,
      ...(a.nodePort !== undefined && a.type === 'NodePort' ? { nodePort: a.nodePort } : {}),
      port,
      protocol: 'TCP',
      targetPort: target,
    };
  });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { creationTimestamp: null, labels: { app: a.name }, name: a.name },
    spec: {
      ...(a.clusterIP !== undefined ? { clusterIP: a.clusterIP } : {}),
      ...(ports.length > 0 ? { ports } : {}),
      selector: { app: a.name },
      type: a.type,
    },
    status: { loadBalancer: {} },
  };
}
