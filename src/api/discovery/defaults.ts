// discovery.k8s.io/v1 defaulting (k8s.io/kubernetes/pkg/apis/discovery/v1/defaults.go).
import type { EndpointSlice } from './v1.js';

export function defaultEndpointSlice(slice: EndpointSlice): void {
  for (const port of slice.ports ?? []) {
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
}
