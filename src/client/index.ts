// The client machinery every component shares, in one import.
export * from './clock.js';
export * from './errors.js';
export * from './informer.js';
export * from './kubeconfig.js';
export * from './leaderelection.js';
export * from './paths.js';
export * from './ratelimit.js';
export * from './reflector.js';
export * from './rest.js';
export * from './store.js';
export * from './watch.js';
export * from './workqueue.js';
export * from './events.js';
