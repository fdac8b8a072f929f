import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { StatusError, errors } from '../api/status.js';
import { categoryMembers, CliError, connectionErrorMessage, errorMessage, parseTypeNameArgs, resolveType } from './context.js';
import { addGlobalFlags, globalFlags, normalizeBoolFlags, type GlobalFlags } from './flags.js';

describe('resolveType', () => {
  it.each([
    ['po', 'pods'],
    ['pod', 'pods'],
    ['Pods', 'pods'],
    ['deploy', 'deployments'],
    ['deployment.apps', 'deployments'],
    ['deployments.v1.apps', 'deployments'],
    ['Deployment', 'deployments'],
    ['hpa', 'horizontalpodautoscalers'],
    ['ns', 'namespaces'],
  ])('reads %s as %s', (name, plural) => {
    expect(resolveType(name).plural).toBe(plural);
  });

  it("refuses an unknown type in kubectl's words", () => {
    expect(() => resolveType('foo')).toThrow(new CliError(`the server doesn't have a resource type "foo"`));
  });
});

describe('parseTypeNameArgs', () => {
  const flat = (args: string[]) => parseTypeNameArgs(args).map((t) => `${t.info.plural}${t.name ? `/${t.name}` : ''}`);

  it('reads TYPE NAME..., TYPE/NAME... and TYPE1,TYPE2', () => {
    expect(flat(['po', 'a', 'b'])).toEqual(['pods/a', 'pods/b']);
    expect(flat(['deploy/web', 'svc/web'])).toEqual(['deployments/web', 'services/web']);
    expect(flat(['po,svc'])).toEqual(['pods', 'services']);
    expect(flat(['po,svc', 'x'])).toEqual(['pods/x', 'services/x']);
  });

  it('expands "all" in the order kubectl lists it', () => {
    expect(flat(['all'])).toEqual([
      'pods',
      'services',
      'daemonsets',
      'deployments',
      'replicasets',
      'statefulsets',
      'horizontalpodautoscalers',
      'cronjobs',
      'jobs',
    ]);
    expect(categoryMembers('nothing')).toEqual([]);
  });

  it('refuses a type argument mixed with TYPE/NAME', () => {
    expect(() => parseTypeNameArgs(['pods', 'pods/web'])).toThrow(/there is no need to specify a resource type as a separate argument/);
  });
});

describe('errorMessage', () => {
  it('prints server errors with their reason, as kubectl does', () => {
    expect(errorMessage(errors.notFound('deployments', 'apps', 'web'))).toBe('Error from server (NotFound): deployments.apps "web" not found');
    expect(errorMessage(new StatusError(500, '', 'boom'))).toBe('Error from server: boom');
    expect(errorMessage(new CliError('bad flag'))).toBe('error: bad flag');
  });

  it('prints Invalid as "The Kind "name" is invalid" with its causes', () => {
    const one = errors.invalid('Deployment', 'apps', 'web', [{ field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }]);
    expect(errorMessage(one)).toBe('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const two = errors.invalid('Pod', '', 'p', [
      { field: 'spec.containers', message: 'Required value' },
      { field: 'metadata.name', message: 'Invalid value' },
    ]);
    expect(errorMessage(two)).toBe('The Pod "p" is invalid: \n* spec.containers: Required value\n* metadata.name: Invalid value');
  });

  it('words a refused connection as kubectl does', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(connectionErrorMessage(err)).toMatch(/^The connection to the server .* was refused - did you specify the right host or port\?$/);
  });
});

describe('global flags', () => {
  function program(seen: { verb?: GlobalFlags; component?: { kubeconfig?: string } }): Command {
    const p = addGlobalFlags(new Command('skiff').exitOverride());
    p.command('get')
      .argument('[args...]')
      .option('-o, --output <f>')
      .action((_args: string[], _opts: unknown, self: Command) => {
        seen.verb = globalFlags(self);
      });
    p.command('scheduler')
      .option('--kubeconfig <file>')
      .action((opts: { kubeconfig?: string }) => {
        seen.component = opts;
      });
    return p;
  }

  it('are accepted before and after the verb', async () => {
    const seen: { verb?: GlobalFlags } = {};
    await program(seen).parseAsync(['-n', 'a', 'get', 'pods', '--context', 'c', '-s', 'https://x', '--token=t', '--insecure-skip-tls-verify'], { from: 'user' });
    expect(seen.verb).toMatchObject({ namespace: 'a', context: 'c', server: 'https://x', token: 't', insecureSkipTlsVerify: true });
    await program(seen).parseAsync(['get', 'pods', '--namespace=b', '--kubeconfig', '/k'], { from: 'user' });
    expect(seen.verb).toMatchObject({ namespace: 'b', kubeconfig: '/k' });
  });

  it('accept --flag=true and --flag=false for boolean flags, as kubectl does', async () => {
    const seen: { verb?: GlobalFlags } = {};
    await program(seen).parseAsync(['get', 'pods', '--insecure-skip-tls-verify=true'], { from: 'user' });
    expect(seen.verb?.insecureSkipTlsVerify).toBe(true);
    await program(seen).parseAsync(['get', '--insecure-skip-tls-verify=false', 'pods'], { from: 'user' });
    expect(seen.verb?.insecureSkipTlsVerify).toBeUndefined();
    expect(normalizeBoolFlags(['--all=true', '--x=1', '--', '--all=false'], new Set(['--all']))).toEqual(['--all', '--x=1', '--', '--all=false']);
  });

  it('still reach a component that declares the same flag itself', async () => {
    const seen: { component?: { kubeconfig?: string } } = {};
    await program(seen).parseAsync(['scheduler', '--kubeconfig', '/etc/k'], { from: 'user' });
    expect(seen.component?.kubeconfig).toBe('/etc/k');
  });
});
