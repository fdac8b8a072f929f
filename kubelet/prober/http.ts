// httpGet probes (pkg/probe/http): a GET without keep-alive, same-host
// redirects followed up to ten times, 2xx success, 3xx success with a
// warning, anything else a failure whose message never includes the body.
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { goQuote } from '../../src/machinery/goformat.js';
import { dialErrorText, joinHostPort, MAX_OUTPUT_BYTES, PROBE_USER_AGENT, deadline, type ProbeOutcome } from './outcome.js';

export interface HttpProbeTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** path and optional query, as written in the probe */
  path: string;
  headers: { name: string; value: string }[];
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** newProbeRequest: user headers, then User-Agent and Accept unless the user set them (an empty Accept removes it). */
function requestHeaders(headers: { name: string; value: string }[]): OutgoingHttpHeaders {
  const out: Record<string, string[]> = {};
  for (const h of headers) (out[h.name.toLowerCase()] ??= []).push(h.value);
  out['user-agent'] ??= [PROBE_USER_AGENT];
  if (!out['accept']) out['accept'] = ['*/*'];
  else if (out['accept'][0] === '') delete out['accept'];
  out['connection'] = ['close'];
  const result: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(out)) result[k] = v.length === 1 ? v[0] : v;
  return result;
}

function get(url: URL, headers: OutgoingHttpHeaders, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      // Kubernetes does not verify a probed container's certificate.
      { method: 'GET', headers, agent: false, signal, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).subarray(0, MAX_OUTPUT_BYTES).toString('utf8') });
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_OUTPUT_BYTES) {
            res.destroy();
            finish();
          }
        });
        res.on('end', finish);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** url.URL.String() for the probe's target, as it appears in Go's error messages. */
function displayUrl(target: HttpProbeTarget): string {
  const path = target.path === '' ? '' : target.path.startsWith('/') ? target.path : `/${target.path}`;
  return `${target.scheme}://${joinHostPort(target.host, target.port)}${path}`;
}

export async function httpProbe(target: HttpProbeTarget, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutcome> {
  const shown = displayUrl(target);
  let url = new URL(shown);
  const firstHost = url.hostname;
  const headers = requestHeaders(target.headers);
  const limit = deadline(timeoutMs, signal);
  try {
    for (let redirects = 0; ; redirects++) {
      const res = await get(url, headers, limit.signal);
      const location = res.headers.location;
      if (!REDIRECT_CODES.has(res.status) || !location) return classify(res);
      const next = new URL(location, url);
      if (next.hostname !== firstHost) return classify(res);
      if (redirects + 1 >= MAX_REDIRECTS) return { result: 'failure', output: `Get ${goQuote(next.href)}: stopped after ${MAX_REDIRECTS} redirects` };
      url = next;
    }
  } catch (e) {
    if (signal?.aborted) throw e;
    if (limit.timedOut()) {
      return { result: 'failure', output: `Get ${goQuote(shown)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)` };
    }
    return { result: 'failure', output: `Get ${goQuote(shown)}: ${dialErrorText(e as NodeJS.ErrnoException, joinHostPort(target.host, target.port))}` };
  } finally {
    limit.done();
  }
}

function classify(res: Response): ProbeOutcome {
  if (res.status >= 200 && res.status < 300) return { result: 'success', output: res.body };
  if (res.status >= 300 && res.status < 400) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
}
