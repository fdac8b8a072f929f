import { describe, expect, it } from 'vitest';
import type { ControllerDescriptor } from './controller.js';
import { knownControllers, parseControllerList, selectControllers } from './main.js';

const fake = (name: string, disabledByDefault = false): ControllerDescriptor => ({
  name,
  disabledByDefault,
  init: () => {
    throw new Error('not built here');
  },
});
const known = [fake('namespace'), fake('deployment'), fake('bootstrapsigner', true)];
const names = (spec: string | undefined): string[] => selectControllers(parseControllerList(spec), known).map((c) => c.name);

describe('--controllers', () => {
  it('runs every controller that is on by default when not given, or given "*"', () => {
    expect(names(undefined)).toEqual(['namespace', 'deployment']);
    expect(names('*')).toEqual(['namespace', 'deployment']);
    expect(names('')).toEqual(['namespace', 'deployment']);
  });

  it('runs only the controllers named, and a disabled-by-default one only when named', () => {
    expect(names('namespace')).toEqual(['namespace']);
    expect(names('*,bootstrapsigner')).toEqual(['namespace', 'deployment', 'bootstrapsigner']);
  });

  it('lets "-name" switch one off, whatever else says', () => {
    expect(names('*,-deployment')).toEqual(['namespace']);
    expect(names('deployment,-deployment')).toEqual([]);
  });

  it('refuses a name it does not know', () => {
    expect(() => names('namespace,replicaset')).toThrow('"replicaset" is not in the list of known controllers');
    expect(() => names('-replicaset')).toThrow('"replicaset" is not in the list of known controllers');
  });

  it('knows the namespace controller', () => {
    expect(knownControllers().map((c) => c.name)).toContain('namespace');
  });
});
