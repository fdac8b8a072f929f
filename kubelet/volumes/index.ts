// The kubelet's volume manager and the error it raises while a pod's volumes cannot be set up.
export { VolumeManager, VolumeSetUpError, type VolumeManagerOptions } from './manager.js';
