// core/v1 Container and everything inside it: ports, environment, resources,
// mounts, probes, lifecycle hooks and the container security context.
//
// Fields Kubernetes declares without omitempty (a container's name, a port's
// containerPort, ...) default to Go's zero value, so a missing one reaches
// validation as "Required value" and the stored object has Kubernetes' shape.
import { z } from 'zod';
import { IntOrString, Quantity, ResourceList } from './primitives.js';

export const ContainerPort = z.object({
  name: z.string().optional(),
  hostPort: z.number().int().optional(),
  containerPort: z.number().int().default(0),
  protocol: z.string().optional(),
  hostIP: z.string().optional(),
});
export type ContainerPort = z.infer<typeof ContainerPort>;

export const ObjectFieldSelector = z.object({
  apiVersion: z.string().optional(),
  fieldPath: z.string().default(''),
});
export type ObjectFieldSelector = z.infer<typeof ObjectFieldSelector>;

export const ResourceFieldSelector = z.object({
  containerName: z.string().optional(),
  resource: z.string().default(''),
  divisor: Quantity.optional(),
});
export type ResourceFieldSelector = z.infer<typeof ResourceFieldSelector>;

export const ConfigMapKeySelector = z.object({
  name: z.string().optional(),
  key: z.string().default(''),
  optional: z.boolean().optional(),
});
export type ConfigMapKeySelector = z.infer<typeof ConfigMapKeySelector>;

export const SecretKeySelector = z.object({
  name: z.string().optional(),
  key: z.string().default(''),
  optional: z.boolean().optional(),
});
export type SecretKeySelector = z.infer<typeof SecretKeySelector>;

export const EnvVarSource = z.object({
  fieldRef: ObjectFieldSelector.optional(),
  resourceFieldRef: ResourceFieldSelector.optional(),
  configMapKeyRef: ConfigMapKeySelector.optional(),
  secretKeyRef: SecretKeySelector.optional(),
});
export type EnvVarSource = z.infer<typeof EnvVarSource>;

export const EnvVar = z.object({
  name: z.string().default(''),
  value: z.string().optional(),
  valueFrom: EnvVarSource.optional(),
});
export type EnvVar = z.infer<typeof EnvVar>;

export const ConfigMapEnvSource = z.object({
  name: z.string().optional(),
  optional: z.boolean().optional(),
});
export const SecretEnvSource = z.object({
  name: z.string().optional(),
  optional: z.boolean().optional(),
});

export const EnvFromSource = z.object({
  prefix: z.string().optional(),
  configMapRef: ConfigMapEnvSource.optional(),
  secretRef: SecretEnvSource.optional(),
});
export type EnvFromSource = z.infer<typeof EnvFromSource>;

export const ResourceClaim = z.object({
  name: z.string().default(''),
  request: z.string().optional(),
});

export const ResourceRequirements = z.object({
  limits: ResourceList.optional(),
  requests: ResourceList.optional(),
  claims: z.array(ResourceClaim).optional(),
});
export type ResourceRequirements = z.infer<typeof ResourceRequirements>;

export const ContainerResizePolicy = z.object({
  resourceName: z.string().default(''),
  restartPolicy: z.string().default(''),
});

export const VolumeMount = z.object({
  name: z.string().default(''),
  readOnly: z.boolean().optional(),
  recursiveReadOnly: z.string().optional(),
  mountPath: z.string().default(''),
  subPath: z.string().optional(),
  mountPropagation: z.string().optional(),
  subPathExpr: z.string().optional(),
});
export type VolumeMount = z.infer<typeof VolumeMount>;

export const VolumeDevice = z.object({
  name: z.string().default(''),
  devicePath: z.string().default(''),
});
export type VolumeDevice = z.infer<typeof VolumeDevice>;

export const ExecAction = z.object({
  command: z.array(z.string()).optional(),
});
export type ExecAction = z.infer<typeof ExecAction>;

export const HTTPHeader = z.object({
  name: z.string().default(''),
  value: z.string().default(''),
});

export const HTTPGetAction = z.object({
  path: z.string().optional(),
  port: IntOrString.default(0),
  host: z.string().optional(),
  scheme: z.string().optional(),
  httpHeaders: z.array(HTTPHeader).optional(),
});
export type HTTPGetAction = z.infer<typeof HTTPGetAction>;

export const TCPSocketAction = z.object({
  port: IntOrString.default(0),
  host: z.string().optional(),
});
export type TCPSocketAction = z.infer<typeof TCPSocketAction>;

export const GRPCAction = z.object({
  port: z.number().int().default(0),
  service: z.string().nullable().optional(),
});
export type GRPCAction = z.infer<typeof GRPCAction>;

export const SleepAction = z.object({
  seconds: z.number().int().default(0),
});

export const Probe = z.object({
  exec: ExecAction.optional(),
  httpGet: HTTPGetAction.optional(),
  tcpSocket: TCPSocketAction.optional(),
  grpc: GRPCAction.optional(),
  initialDelaySeconds: z.number().int().optional(),
  timeoutSeconds: z.number().int().optional(),
  periodSeconds: z.number().int().optional(),
  successThreshold: z.number().int().optional(),
  failureThreshold: z.number().int().optional(),
  terminationGracePeriodSeconds: z.number().int().optional(),
});
export type Probe = z.infer<typeof Probe>;

export const LifecycleHandler = z.object({
  exec: ExecAction.optional(),
  httpGet: HTTPGetAction.optional(),
  tcpSocket: TCPSocketAction.optional(),
  sleep: SleepAction.optional(),
});
export type LifecycleHandler = z.infer<typeof LifecycleHandler>;

export const Lifecycle = z.object({
  postStart: LifecycleHandler.optional(),
  preStop: LifecycleHandler.optional(),
  stopSignal: z.string().optional(),
});
export type Lifecycle = z.infer<typeof Lifecycle>;

export const Capabilities = z.object({
  add: z.array(z.string()).optional(),
  drop: z.array(z.string()).optional(),
});

export const SELinuxOptions = z.object({
  user: z.string().optional(),
  role: z.string().optional(),
  type: z.string().optional(),
  level: z.string().optional(),
});

export const WindowsSecurityContextOptions = z.object({
  gmsaCredentialSpecName: z.string().optional(),
  gmsaCredentialSpec: z.string().optional(),
  runAsUserName: z.string().optional(),
  hostProcess: z.boolean().optional(),
});

export const SeccompProfile = z.object({
  type: z.string().default(''),
  localhostProfile: z.string().optional(),
});

export const AppArmorProfile = z.object({
  type: z.string().default(''),
  localhostProfile: z.string().optional(),
});

export const SecurityContext = z.object({
  capabilities: Capabilities.optional(),
  privileged: z.boolean().optional(),
  seLinuxOptions: SELinuxOptions.optional(),
  windowsOptions: WindowsSecurityContextOptions.optional(),
  runAsUser: z.number().int().optional(),
  runAsGroup: z.number().int().optional(),
  runAsNonRoot: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  procMount: z.string().optional(),
  seccompProfile: SeccompProfile.optional(),
  appArmorProfile: AppArmorProfile.optional(),
});
export type SecurityContext = z.infer<typeof SecurityContext>;

const containerFields = {
  name: z.string().default(''),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z.array(ContainerPort).optional(),
  envFrom: z.array(EnvFromSource).optional(),
  env: z.array(EnvVar).optional(),
  resources: ResourceRequirements.optional(),
  resizePolicy: z.array(ContainerResizePolicy).optional(),
  restartPolicy: z.string().optional(),
  volumeMounts: z.array(VolumeMount).optional(),
  volumeDevices: z.array(VolumeDevice).optional(),
  livenessProbe: Probe.optional(),
  readinessProbe: Probe.optional(),
  startupProbe: Probe.optional(),
  lifecycle: Lifecycle.optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: z.string().optional(),
  imagePullPolicy: z.string().optional(),
  securityContext: SecurityContext.optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
};

export const Container = z.object(containerFields);
export type Container = z.infer<typeof Container>;

export const EphemeralContainer = z.object({
  ...containerFields,
  targetContainerName: z.string().optional(),
});
export type EphemeralContainer = z.infer<typeof EphemeralContainer>;
