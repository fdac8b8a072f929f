// skiff proxy in iptables mode (root only) against a real apiserver and echo
// containers: the host's real nat and filter tables, beside Docker's rules.
import { describe, it } from 'vitest';
import { defineProxySuite } from '../proxy/testing/service-suite.js';

if (process.getuid?.() === 0) defineProxySuite('iptables');
else describe.skip('proxy (iptables mode) needs root', () => it('is skipped', () => undefined));
