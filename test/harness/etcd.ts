// Tests start their etcd with the same launcher `skiff up` uses: free
// loopback ports and a temporary data directory that stop() removes.
export { etcdBinary, freePorts, startEtcd, type EtcdProcess, type StartEtcdOptions } from '../../src/cluster/etcd.js';
