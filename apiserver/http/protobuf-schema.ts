// The Kubernetes protobuf messages this apiserver reads, transcribed from the
// generated.proto files of k8s.io/api (core, apps, batch, autoscaling,
// policy) and k8s.io/apimachinery (meta/v1, resource, intstr, runtime): the
// kinds kubectl's typed commands send (create namespace, configmap, secret,
// service, serviceaccount, deployment, job, cronjob, poddisruptionbudget;
// autoscale; drain; debug --copy-to) and everything they contain.
//
// One line per field: `<number> <jsonName> <type>`, or `<number> ...<Message>`
// for a struct Go embeds inline (its fields land in the parent object).
// Types:
//   string int32 int64 bool bytes   scalars; the zero value is dropped, as
//                                   Go's omitempty drops it from JSON
//   *<type>                         a Go pointer: present means set, zero kept
//   []<type>                        repeated (packed or not)
//   map<string> map<bytes> map<Quantity>   map<string, V>
//   Time Quantity IntOrString       apimachinery's types with their own JSON; a
//                                   zero Time is null, or absent through a pointer
//   RawJSON                         bytes holding JSON (FieldsV1), inlined as is
//   <Message>                       a nested message
//   -                               a field Kubernetes has that this server
//                                   does not take over protobuf (a 400 names it)
//   ~                               ignored: status, which the server owns and
//                                   resets on create and main-resource update

export const MESSAGES: Record<string, string> = {
  // ---- k8s.io/apimachinery/pkg/apis/meta/v1 ----
  ObjectMeta: `
    1 name string
    2 generateName string
    3 namespace string
    4 selfLink string
    5 uid string
    6 resourceVersion string
    7 generation int64
    8 creationTimestamp Time
    9 deletionTimestamp *Time
    10 deletionGracePeriodSeconds *int64
    11 labels map<string>
    12 annotations map<string>
    13 ownerReferences []OwnerReference
    14 finalizers []string
    17 managedFields []ManagedFieldsEntry`,
  OwnerReference: `
    5 apiVersion string
    1 kind string
    3 name string
    4 uid string
    6 controller *bool
    7 blockOwnerDeletion *bool`,
  ManagedFieldsEntry: `
    1 manager string
    2 operation string
    3 apiVersion string
    4 time *Time
    6 fieldsType string
    7 fieldsV1 RawJSON
    8 subresource string`,
  LabelSelector: `
    1 matchLabels map<string>
    2 matchExpressions []LabelSelectorRequirement`,
  LabelSelectorRequirement: `
    1 key string
    2 operator string
    3 values []string`,
  DeleteOptions: `
    1 gracePeriodSeconds *int64
    2 preconditions Preconditions
    3 orphanDependents *bool
    4 propagationPolicy *string
    5 dryRun []string
    6 ignoreStoreReadErrorWithClusterBreakingPotential *bool`,
  Preconditions: `
    1 uid *string
    2 resourceVersion *string`,

  // ---- k8s.io/api/core/v1 ----
  Namespace: `
    1 metadata ObjectMeta
    2 spec NamespaceSpec
    3 status ~`,
  NamespaceSpec: `
    1 finalizers []string`,
  ConfigMap: `
    1 metadata ObjectMeta
    2 data map<string>
    3 binaryData map<bytes>
    4 immutable *bool`,
  Secret: `
    1 metadata ObjectMeta
    2 data map<bytes>
    3 type string
    4 stringData map<string>
    5 immutable *bool`,
  ServiceAccount: `
    1 metadata ObjectMeta
    2 secrets []ObjectReference
    3 imagePullSecrets []LocalObjectReference
    4 automountServiceAccountToken *bool`,
  ObjectReference: `
    1 kind string
    2 namespace string
    3 name string
    4 uid string
    5 apiVersion string
    6 resourceVersion string
    7 fieldPath string`,
  LocalObjectReference: `
    1 name string`,
  Service: `
    1 metadata ObjectMeta
    2 spec ServiceSpec
    3 status ~`,
  ServiceSpec: `
    1 ports []ServicePort
    2 selector map<string>
    3 clusterIP string
    18 clusterIPs []string
    4 type string
    5 externalIPs []string
    7 sessionAffinity string
    8 loadBalancerIP string
    9 loadBalancerSourceRanges []string
    10 externalName string
    11 externalTrafficPolicy string
    12 healthCheckNodePort int32
    13 publishNotReadyAddresses bool
    14 sessionAffinityConfig SessionAffinityConfig
    19 ipFamilies []string
    17 ipFamilyPolicy *string
    20 allocateLoadBalancerNodePorts *bool
    21 loadBalancerClass *string
    22 internalTrafficPolicy *string
    23 trafficDistribution *string`,
  ServicePort: `
    1 name string
    2 protocol string
    6 appProtocol *string
    3 port int32
    4 targetPort IntOrString
    5 nodePort int32`,
  SessionAffinityConfig: `
    1 clientIP ClientIPConfig`,
  ClientIPConfig: `
    1 timeoutSeconds *int32`,
  Pod: `
    1 metadata ObjectMeta
    2 spec PodSpec
    3 status ~`,
  PodTemplateSpec: `
    1 metadata ObjectMeta
    2 spec PodSpec`,
  PodSpec: `
    1 volumes []Volume
    20 initContainers []Container
    2 containers []Container
    34 ephemeralContainers -
    3 restartPolicy string
    4 terminationGracePeriodSeconds *int64
    5 activeDeadlineSeconds *int64
    6 dnsPolicy string
    7 nodeSelector map<string>
    8 serviceAccountName string
    9 serviceAccount string
    21 automountServiceAccountToken *bool
    10 nodeName string
    11 hostNetwork bool
    12 hostPID bool
    13 hostIPC bool
    27 shareProcessNamespace *bool
    14 securityContext PodSecurityContext
    15 imagePullSecrets []LocalObjectReference
    16 hostname string
    17 subdomain string
    18 affinity Affinity
    19 schedulerName string
    22 tolerations []Toleration
    23 hostAliases []HostAlias
    24 priorityClassName string
    25 priority *int32
    26 dnsConfig PodDNSConfig
    28 readinessGates []PodReadinessGate
    29 runtimeClassName *string
    30 enableServiceLinks *bool
    31 preemptionPolicy *string
    32 overhead map<Quantity>
    33 topologySpreadConstraints []TopologySpreadConstraint
    35 setHostnameAsFQDN *bool
    36 os PodOS
    37 hostUsers *bool
    38 schedulingGates []PodSchedulingGate
    39 resourceClaims []PodResourceClaim
    40 resources ResourceRequirements
    41 hostnameOverride *string`,
  Container: `
    1 name string
    2 image string
    3 command []string
    4 args []string
    5 workingDir string
    6 ports []ContainerPort
    19 envFrom []EnvFromSource
    7 env []EnvVar
    8 resources ResourceRequirements
    23 resizePolicy []ContainerResizePolicy
    24 restartPolicy *string
    25 restartPolicyRules -
    9 volumeMounts []VolumeMount
    21 volumeDevices []VolumeDevice
    10 livenessProbe Probe
    11 readinessProbe Probe
    22 startupProbe Probe
    12 lifecycle Lifecycle
    13 terminationMessagePath string
    20 terminationMessagePolicy string
    14 imagePullPolicy string
    15 securityContext SecurityContext
    16 stdin bool
    17 stdinOnce bool
    18 tty bool`,
  ContainerPort: `
    1 name string
    2 hostPort int32
    3 containerPort int32
    4 protocol string
    5 hostIP string`,
  EnvVar: `
    1 name string
    2 value string
    3 valueFrom EnvVarSource`,
  EnvVarSource: `
    1 fieldRef ObjectFieldSelector
    2 resourceFieldRef ResourceFieldSelector
    3 configMapKeyRef ConfigMapKeySelector
    4 secretKeyRef SecretKeySelector
    5 fileKeyRef -`,
  ObjectFieldSelector: `
    1 apiVersion string
    2 fieldPath string`,
  ResourceFieldSelector: `
    1 containerName string
    2 resource string
    3 divisor Quantity`,
  ConfigMapKeySelector: `
    1 ...LocalObjectReference
    2 key string
    3 optional *bool`,
  SecretKeySelector: `
    1 ...LocalObjectReference
    2 key string
    3 optional *bool`,
  EnvFromSource: `
    1 prefix string
    2 configMapRef ConfigMapEnvSource
    3 secretRef SecretEnvSource`,
  ConfigMapEnvSource: `
    1 ...LocalObjectReference
    2 optional *bool`,
  SecretEnvSource: `
    1 ...LocalObjectReference
    2 optional *bool`,
  ResourceRequirements: `
    1 limits map<Quantity>
    2 requests map<Quantity>
    3 claims []ResourceClaim`,
  ResourceClaim: `
    1 name string
    2 request string`,
  ContainerResizePolicy: `
    1 resourceName string
    2 restartPolicy string`,
  VolumeMount: `
    1 name string
    2 readOnly bool
    7 recursiveReadOnly *string
    3 mountPath string
    4 subPath string
    5 mountPropagation *string
    6 subPathExpr string`,
  VolumeDevice: `
    1 name string
    2 devicePath string`,
  Probe: `
    1 ...ProbeHandler
    2 initialDelaySeconds int32
    3 timeoutSeconds int32
    4 periodSeconds int32
    5 successThreshold int32
    6 failureThreshold int32
    7 terminationGracePeriodSeconds *int64`,
  ProbeHandler: `
    1 exec ExecAction
    2 httpGet HTTPGetAction
    3 tcpSocket TCPSocketAction
    4 grpc GRPCAction`,
  ExecAction: `
    1 command []string`,
  HTTPGetAction: `
    1 path string
    2 port IntOrString
    3 host string
    4 scheme string
    5 httpHeaders []HTTPHeader`,
  HTTPHeader: `
    1 name string
    2 value string`,
  TCPSocketAction: `
    1 port IntOrString
    2 host string`,
  GRPCAction: `
    1 port int32
    2 service *string`,
  Lifecycle: `
    1 postStart LifecycleHandler
    2 preStop LifecycleHandler
    3 stopSignal *string`,
  LifecycleHandler: `
    1 exec ExecAction
    2 httpGet HTTPGetAction
    3 tcpSocket TCPSocketAction
    4 sleep SleepAction`,
  SleepAction: `
    1 seconds int64`,
  SecurityContext: `
    1 capabilities Capabilities
    2 privileged *bool
    3 seLinuxOptions SELinuxOptions
    10 windowsOptions WindowsSecurityContextOptions
    4 runAsUser *int64
    8 runAsGroup *int64
    5 runAsNonRoot *bool
    6 readOnlyRootFilesystem *bool
    7 allowPrivilegeEscalation *bool
    9 procMount *string
    11 seccompProfile SeccompProfile
    12 appArmorProfile AppArmorProfile`,
  Capabilities: `
    1 add []string
    2 drop []string`,
  SELinuxOptions: `
    1 user string
    2 role string
    3 type string
    4 level string`,
  WindowsSecurityContextOptions: `
    1 gmsaCredentialSpecName *string
    2 gmsaCredentialSpec *string
    3 runAsUserName *string
    4 hostProcess *bool`,
  SeccompProfile: `
    1 type string
    2 localhostProfile *string`,
  AppArmorProfile: `
    1 type string
    2 localhostProfile *string`,
  PodSecurityContext: `
    1 seLinuxOptions SELinuxOptions
    8 windowsOptions WindowsSecurityContextOptions
    2 runAsUser *int64
    6 runAsGroup *int64
    3 runAsNonRoot *bool
    4 supplementalGroups []int64
    12 supplementalGroupsPolicy *string
    5 fsGroup *int64
    7 sysctls []Sysctl
    9 fsGroupChangePolicy *string
    10 seccompProfile SeccompProfile
    11 appArmorProfile AppArmorProfile
    13 seLinuxChangePolicy *string`,
  Sysctl: `
    1 name string
    2 value string`,
  HostAlias: `
    1 ip string
    2 hostnames []string`,
  PodDNSConfig: `
    1 nameservers []string
    2 searches []string
    3 options []PodDNSConfigOption`,
  PodDNSConfigOption: `
    1 name string
    2 value *string`,
  PodReadinessGate: `
    1 conditionType string`,
  PodOS: `
    1 name string`,
  PodSchedulingGate: `
    1 name string`,
  PodResourceClaim: `
    1 name string
    3 resourceClaimName *string
    4 resourceClaimTemplateName *string`,
  Toleration: `
    1 key string
    2 operator string
    3 value string
    4 effect string
    5 tolerationSeconds *int64`,
  TopologySpreadConstraint: `
    1 maxSkew int32
    2 topologyKey string
    3 whenUnsatisfiable string
    4 labelSelector LabelSelector
    5 minDomains *int32
    6 nodeAffinityPolicy *string
    7 nodeTaintsPolicy *string
    8 matchLabelKeys []string`,
  Affinity: `
    1 nodeAffinity NodeAffinity
    2 podAffinity PodAffinity
    3 podAntiAffinity PodAffinity`,
  NodeAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector
    2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm`,
  NodeSelector: `
    1 nodeSelectorTerms []NodeSelectorTerm`,
  NodeSelectorTerm: `
    1 matchExpressions []NodeSelectorRequirement
    2 matchFields []NodeSelectorRequirement`,
  NodeSelectorRequirement: `
    1 key string
    2 operator string
    3 values []string`,
  PreferredSchedulingTerm: `
    1 weight int32
    2 preference NodeSelectorTerm`,
  PodAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm`,
  WeightedPodAffinityTerm: `
    1 weight int32
    2 podAffinityTerm PodAffinityTerm`,
  PodAffinityTerm: `
    1 labelSelector LabelSelector
    2 namespaces []string
    3 topologyKey string
    4 namespaceSelector LabelSelector
    5 matchLabelKeys []string
    6 mismatchLabelKeys []string`,
  Volume: `
    1 name string
    2 ...VolumeSource`,
  VolumeSource: `
    1 hostPath HostPathVolumeSource
    2 emptyDir EmptyDirVolumeSource
    3 gcePersistentDisk -
    4 awsElasticBlockStore -
    5 gitRepo GitRepoVolumeSource
    6 secret SecretVolumeSource
    7 nfs NFSVolumeSource
    8 iscsi -
    9 glusterfs -
    10 persistentVolumeClaim PersistentVolumeClaimVolumeSource
    11 rbd -
    12 flexVolume -
    13 cinder -
    14 cephfs -
    15 flocker -
    16 downwardAPI DownwardAPIVolumeSource
    17 fc -
    18 azureFile -
    19 configMap ConfigMapVolumeSource
    20 vsphereVolume -
    21 quobyte -
    22 azureDisk -
    23 photonPersistentDisk -
    24 portworxVolume -
    25 scaleIO -
    26 projected ProjectedVolumeSource
    27 storageos -
    28 csi CSIVolumeSource
    29 ephemeral -
    30 image ImageVolumeSource`,
  HostPathVolumeSource: `
    1 path string
    2 type *string`,
  EmptyDirVolumeSource: `
    1 medium string
    2 sizeLimit Quantity`,
  GitRepoVolumeSource: `
    1 repository string
    2 revision string
    3 directory string`,
  SecretVolumeSource: `
    1 secretName string
    2 items []KeyToPath
    3 defaultMode *int32
    4 optional *bool`,
  NFSVolumeSource: `
    1 server string
    2 path string
    3 readOnly bool`,
  PersistentVolumeClaimVolumeSource: `
    1 claimName string
    2 readOnly bool`,
  ConfigMapVolumeSource: `
    1 ...LocalObjectReference
    2 items []KeyToPath
    3 defaultMode *int32
    4 optional *bool`,
  KeyToPath: `
    1 key string
    2 path string
    3 mode *int32`,
  DownwardAPIVolumeSource: `
    1 items []DownwardAPIVolumeFile
    2 defaultMode *int32`,
  DownwardAPIVolumeFile: `
    1 path string
    2 fieldRef ObjectFieldSelector
    3 resourceFieldRef ResourceFieldSelector
    4 mode *int32`,
  ProjectedVolumeSource: `
    1 sources []VolumeProjection
    2 defaultMode *int32`,
  VolumeProjection: `
    1 secret SecretProjection
    2 downwardAPI DownwardAPIProjection
    3 configMap ConfigMapProjection
    4 serviceAccountToken ServiceAccountTokenProjection
    5 clusterTrustBundle -
    6 podCertificate -`,
  SecretProjection: `
    1 ...LocalObjectReference
    2 items []KeyToPath
    4 optional *bool`,
  ConfigMapProjection: `
    1 ...LocalObjectReference
    2 items []KeyToPath
    4 optional *bool`,
  DownwardAPIProjection: `
    1 items []DownwardAPIVolumeFile`,
  ServiceAccountTokenProjection: `
    1 audience string
    2 expirationSeconds *int64
    3 path string`,
  CSIVolumeSource: `
    1 driver string
    2 readOnly *bool
    3 fsType *string
    4 volumeAttributes map<string>
    5 nodePublishSecretRef LocalObjectReference`,
  ImageVolumeSource: `
    1 reference string
    2 pullPolicy string`,

  // ---- k8s.io/api/apps/v1 ----
  Deployment: `
    1 metadata ObjectMeta
    2 spec DeploymentSpec
    3 status ~`,
  DeploymentSpec: `
    1 replicas *int32
    2 selector LabelSelector
    3 template PodTemplateSpec
    4 strategy DeploymentStrategy
    5 minReadySeconds int32
    6 revisionHistoryLimit *int32
    7 paused bool
    9 progressDeadlineSeconds *int32`,
  DeploymentStrategy: `
    1 type string
    2 rollingUpdate RollingUpdateDeployment`,
  RollingUpdateDeployment: `
    1 maxUnavailable *IntOrString
    2 maxSurge *IntOrString`,

  // ---- k8s.io/api/batch/v1 ----
  Job: `
    1 metadata ObjectMeta
    2 spec JobSpec
    3 status ~`,
  JobSpec: `
    1 parallelism *int32
    2 completions *int32
    3 activeDeadlineSeconds *int64
    11 podFailurePolicy PodFailurePolicy
    16 successPolicy SuccessPolicy
    7 backoffLimit *int32
    12 backoffLimitPerIndex *int32
    13 maxFailedIndexes *int32
    4 selector LabelSelector
    5 manualSelector *bool
    6 template PodTemplateSpec
    8 ttlSecondsAfterFinished *int32
    9 completionMode *string
    10 suspend *bool
    14 podReplacementPolicy *string
    15 managedBy *string`,
  PodFailurePolicy: `
    1 rules []PodFailurePolicyRule`,
  PodFailurePolicyRule: `
    1 action string
    2 onExitCodes PodFailurePolicyOnExitCodesRequirement
    3 onPodConditions []PodFailurePolicyOnPodConditionsPattern`,
  PodFailurePolicyOnExitCodesRequirement: `
    1 containerName *string
    2 operator string
    3 values []int32`,
  PodFailurePolicyOnPodConditionsPattern: `
    1 type string
    2 status string`,
  SuccessPolicy: `
    1 rules []SuccessPolicyRule`,
  SuccessPolicyRule: `
    1 succeededIndexes *string
    2 succeededCount *int32`,
  CronJob: `
    1 metadata ObjectMeta
    2 spec CronJobSpec
    3 status ~`,
  CronJobSpec: `
    1 schedule string
    8 timeZone *string
    2 startingDeadlineSeconds *int64
    3 concurrencyPolicy string
    4 suspend *bool
    5 jobTemplate JobTemplateSpec
    6 successfulJobsHistoryLimit *int32
    7 failedJobsHistoryLimit *int32`,
  JobTemplateSpec: `
    1 metadata ObjectMeta
    2 spec JobSpec`,

  // ---- k8s.io/api/autoscaling/v1 ----
  HorizontalPodAutoscalerV1: `
    1 metadata ObjectMeta
    2 spec HorizontalPodAutoscalerSpecV1
    3 status ~`,
  HorizontalPodAutoscalerSpecV1: `
    1 scaleTargetRef CrossVersionObjectReference
    2 minReplicas *int32
    3 maxReplicas int32
    4 targetCPUUtilizationPercentage *int32`,
  CrossVersionObjectReference: `
    1 kind string
    2 name string
    3 apiVersion string`,

  // ---- k8s.io/api/autoscaling/v2 ----
  HorizontalPodAutoscalerV2: `
    1 metadata ObjectMeta
    2 spec HorizontalPodAutoscalerSpecV2
    3 status ~`,
  HorizontalPodAutoscalerSpecV2: `
    1 scaleTargetRef CrossVersionObjectReference
    2 minReplicas *int32
    3 maxReplicas int32
    4 metrics []MetricSpec
    5 behavior HorizontalPodAutoscalerBehavior`,
  MetricSpec: `
    1 type string
    2 object ObjectMetricSource
    3 pods PodsMetricSource
    4 resource ResourceMetricSource
    7 containerResource ContainerResourceMetricSource
    5 external ExternalMetricSource`,
  ObjectMetricSource: `
    1 describedObject CrossVersionObjectReference
    2 target MetricTarget
    3 metric MetricIdentifier`,
  PodsMetricSource: `
    1 metric MetricIdentifier
    2 target MetricTarget`,
  ResourceMetricSource: `
    1 name string
    2 target MetricTarget`,
  ContainerResourceMetricSource: `
    1 name string
    2 target MetricTarget
    3 container string`,
  ExternalMetricSource: `
    1 metric MetricIdentifier
    2 target MetricTarget`,
  MetricIdentifier: `
    1 name string
    2 selector LabelSelector`,
  MetricTarget: `
    1 type string
    2 value Quantity
    3 averageValue Quantity
    4 averageUtilization *int32`,
  HorizontalPodAutoscalerBehavior: `
    1 scaleUp HPAScalingRules
    2 scaleDown HPAScalingRules`,
  HPAScalingRules: `
    3 stabilizationWindowSeconds *int32
    1 selectPolicy *string
    2 policies []HPAScalingPolicy
    4 tolerance Quantity`,
  HPAScalingPolicy: `
    1 type string
    2 value int32
    3 periodSeconds int32`,

  // ---- k8s.io/api/policy/v1 ----
  Eviction: `
    1 metadata ObjectMeta
    2 deleteOptions DeleteOptions`,
  PodDisruptionBudget: `
    1 metadata ObjectMeta
    2 spec PodDisruptionBudgetSpec
    3 status ~`,
  PodDisruptionBudgetSpec: `
    1 minAvailable *IntOrString
    2 selector LabelSelector
    3 maxUnavailable *IntOrString
    4 unhealthyPodEvictionPolicy *string`,
};

/**
 * The message an object of this apiVersion and kind is encoded as. Options
 * types (DeleteOptions) are registered in every group version, so they match
 * on kind alone.
 */
export function rootMessage(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions') return 'DeleteOptions';
  return ROOTS[`${apiVersion} ${kind}`];
}

const ROOTS: Record<string, string> = {
  'v1 Namespace': 'Namespace',
  'v1 ConfigMap': 'ConfigMap',
  'v1 Secret': 'Secret',
  'v1 Service': 'Service',
  'v1 ServiceAccount': 'ServiceAccount',
  'v1 Pod': 'Pod',
  'apps/v1 Deployment': 'Deployment',
  'batch/v1 Job': 'Job',
  'batch/v1 CronJob': 'CronJob',
  'autoscaling/v1 HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
  'autoscaling/v2 HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV2',
  'policy/v1 Eviction': 'Eviction',
  'policy/v1beta1 Eviction': 'Eviction',
  'policy/v1 PodDisruptionBudget': 'PodDisruptionBudget',
};
