// skiff proxy in userspace mode against a real apiserver and echo containers.
import { defineProxySuite } from '../proxy/testing/service-suite.js';

defineProxySuite('userspace');
