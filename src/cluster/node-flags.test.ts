import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APISERVER_NODE_FLAGS, SCHEDULER_NODE_FLAGS } from './node-flags.js';

describe.each([
  ['apiserver', APISERVER_NODE_FLAGS],
  ['scheduler', SCHEDULER_NODE_FLAGS],
])('the %s node flags', (service, flags) => {
  it('are what docker-compose.yml gives that service, so both ways of running a cluster run it alike', () => {
    const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    expect(compose.services[service]?.environment?.NODE_OPTIONS?.split(' ')).toEqual([...flags]);
  });

  it('are flags this Node.js accepts', async () => {
    const { spawnSync } = await import('node:child_process');
    const res = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
