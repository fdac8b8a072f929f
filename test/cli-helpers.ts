// What the CLI integration tests share: running `skiff` in this process with
// captured output (and optional stdin, environment and abort signal), running
// real kubectl asynchronously (the apiserver lives in this process, so a
// synchronous child would deadlock it), and comparing stored objects while
// ignoring what the server generates.
import { execFile } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import type { KubeObject } from '../src/api/meta.js';
import { cliIO } from '../src/cli/action.js';
import { buildProgram } from '../src/cli/program.js';

const execFileAsync = promisify(execFile);

export interface CliResult {
  out: string;
  err: string;
  code: number;
}

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function quiet(cmd: Command, out: Collector, err: Collector): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeOut: (s) => void out.write(s), writeErr: (s) => void err.write(s) });
  for (const c of cmd.commands) quiet(c, out, err);
}

export interface SkiffRunOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** ends a long-running verb (get -w) */
  signal?: AbortSignal;
}

/** Runs one skiff command line in this process; the kubeconfig is passed as --kubeconfig. */
export async function runSkiff(kubeconfig: string, args: string[], opts: SkiffRunOptions = {}): Promise<CliResult> {
  const out = new Collector();
  const err = new Collector();
  const saved = { ...cliIO };
  const savedEnv: Record<string, string | undefined> = {};
  let code = 0;
  cliIO.out = out;
  cliIO.err = err;
  cliIO.in = Readable.from(opts.stdin !== undefined ? [opts.stdin] : []);
  cliIO.setExitCode = (c) => {
    code = c;
  };
  if (opts.signal) cliIO.signal = opts.signal;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const program = buildProgram();
    quiet(program, out, err);
    await program.parseAsync(['--kubeconfig', kubeconfig, ...args], { from: 'user' });
  } catch (e) {
    // Commander's own usage errors (unknown flag, missing argument) end here.
    const c = (e as { exitCode?: number }).exitCode;
    code = typeof c === 'number' && c !== 0 ? c : 1;
  } finally {
    Object.assign(cliIO, saved);
    if (!opts.signal) delete cliIO.signal;
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { out: out.text, err: err.text, code };
}

/** Real kubectl (1.32) against the same server. */
export async function runKubectl(kubeconfig: string, args: string[], opts: { stdin?: string } = {}): Promise<CliResult> {
  try {
    const child = execFileAsync('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
    if (opts.stdin !== undefined) {
      child.child.stdin?.end(opts.stdin);
    }
    const { stdout, stderr } = await child;
    return { out: stdout, err: stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { out: x.stdout ?? '', err: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : 1 };
  }
}

/** An object without what the server generates, so objects made by two tools compare equal. */
export function comparable(obj: KubeObject, namespace?: string): unknown {
  // values derived from the object's own uid (a Job's controller-uid labels and selector) differ per object
  const uid = obj.metadata.uid;
  const copy = (uid ? JSON.parse(JSON.stringify(obj).split(uid).join('<uid>')) : structuredClone(obj)) as KubeObject & {
    spec?: Record<string, unknown>;
  };
  const m = copy.metadata;
  delete m.uid;
  delete m.resourceVersion;
  delete m.creationTimestamp;
  delete m.managedFields;
  delete m.generation;
  if (namespace && m.namespace === namespace) m.namespace = '<ns>';
  const last = m.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (last && namespace) {
    m.annotations!['kubectl.kubernetes.io/last-applied-configuration'] = last.replace(`"namespace":"${namespace}"`, '"namespace":"<ns>"');
  }
  if (copy.kind === 'Service' && copy.spec) {
    delete copy.spec.clusterIP;
    delete copy.spec.clusterIPs;
  }
  return copy;
}

/**
 * A table's cells, row by row, with the AGE column left out: two tools
 * printing a second apart may differ there and nowhere else.
 */
export function tableCells(table: string): string[][] {
  // Several types print several tables, blank-line separated, each with its own header.
  return table
    .trimEnd()
    .split(/\n\n/)
    .flatMap((block) => {
      const rows = block.split('\n').map((l) => l.trim().split(/\s{2,}/));
      const age = rows[0]?.indexOf('AGE') ?? -1;
      return age < 0 ? rows : rows.map((r) => r.filter((_, i) => i !== age));
    });
}
