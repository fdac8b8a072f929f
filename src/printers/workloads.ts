// Columns for the workload controllers: apps (deployments, replicasets,
// daemonsets, statefulsets, controllerrevisions) and batch (jobs, cronjobs).
import { age, humanDuration } from './duration.js';
import {
  ageColumn,
  arr,
  boolPtr,
  col,
  conditionTrue,
  containerCells,
  containersColumn,
  controllerOf,
  formatLabels,
  imagesColumn,
  int,
  nameColumn,
  rec,
  selectorCell,
  selectorString,
  str,
  type Rec,
} from './cells.js';
import type { Printer } from './columns.js';

const NODE_SELECTOR_DESCRIPTION =
  "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";

const READY_DESCRIPTION = 'Number of the pod with ready state';

/** spec.replicas; the API defaults it to 1, so an object read back always has it. */
const desiredReplicas = (spec: Rec): number => int(spec.replicas, 1);

const podSpecOf = (spec: Rec): unknown => rec(spec.template).spec;

export const deployments: Printer = {
  columns: [
    nameColumn,
    col('Ready', 'string', READY_DESCRIPTION),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    col('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
  ],
  row(d, now) {
    const spec = rec(d.spec);
    const status = rec(d.status);
    const [names, images] = containerCells(podSpecOf(spec));
    return [
      d.metadata.name,
      `${int(status.readyReplicas)}/${desiredReplicas(spec)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      age(d.metadata.creationTimestamp, now),
      names,
      images,
      selectorString(spec.selector),
    ];
  },
};

export const replicasets: Printer = {
  columns: [
    nameColumn,
    col(
      'Desired',
      'integer',
      'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    ),
    col(
      'Current',
      'integer',
      'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller',
    ),
    col('Ready', 'integer', 'readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    col(
      'Selector',
      'string',
      'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
      1,
    ),
  ],
  row(rs, now) {
    const spec = rec(rs.spec);
    const status = rec(rs.status);
    const [names, images] = containerCells(podSpecOf(spec));
    return [
      rs.metadata.name,
      desiredReplicas(spec),
      int(status.replicas),
      int(status.readyReplicas),
      age(rs.metadata.creationTimestamp, now),
      names,
      images,
      selectorCell(spec.selector),
    ];
  },
};

export const daemonsets: Printer = {
  columns: [
    nameColumn,
    col(
      'Desired',
      'integer',
      'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
    ),
    col(
      'Current',
      'integer',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
    ),
    col(
      'Ready',
      'integer',
      'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
    ),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col(
      'Available',
      'integer',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
    ),
    col('Node Selector', 'string', NODE_SELECTOR_DESCRIPTION),
    ageColumn,
    containersColumn,
    imagesColumn,
    col(
      'Selector',
      'string',
      'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
      1,
    ),
  ],
  row(ds, now) {
    const spec = rec(ds.spec);
    const status = rec(ds.status);
    const podSpec = podSpecOf(spec);
    const [names, images] = containerCells(podSpec);
    return [
      ds.metadata.name,
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(rec(podSpec).nodeSelector),
      age(ds.metadata.creationTimestamp, now),
      names,
      images,
      selectorCell(spec.selector),
    ];
  },
};

export const statefulsets: Printer = {
  columns: [nameColumn, col('Ready', 'string', READY_DESCRIPTION), ageColumn, containersColumn, imagesColumn],
  row(ss, now) {
    const spec = rec(ss.spec);
    const [names, images] = containerCells(podSpecOf(spec));
    return [ss.metadata.name, `${int(rec(ss.status).readyReplicas)}/${desiredReplicas(spec)}`, age(ss.metadata.creationTimestamp, now), names, images];
  },
};

/** formatResourceName for a controller reference: "statefulset.apps/web", lower-cased kind and group. */
function controllerName(owners: unknown): string {
  const ref = controllerOf(owners);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = str(ref.kind);
  if (!group && !kind) return str(ref.name);
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${str(ref.name)}`;
}

export const controllerrevisions: Printer = {
  columns: [
    nameColumn,
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn,
  ],
  row: (cr, now) => [cr.metadata.name, controllerName(cr.metadata.ownerReferences), int(cr.revision), age(cr.metadata.creationTimestamp, now)],
};

function jobStatus(job: { metadata: { deletionTimestamp?: string } }, conditions: unknown): string {
  if (conditionTrue(conditions, 'Complete')) return 'Complete';
  if (conditionTrue(conditions, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (conditionTrue(conditions, 'Suspended')) return 'Suspended';
  if (conditionTrue(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(spec: Rec, succeeded: number): string {
  if (typeof spec.completions === 'number') return `${succeeded}/${spec.completions}`;
  const parallelism = int(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** How long the job ran: until it completed, or until now while it runs; blank before it starts. */
function jobDuration(status: Rec, now: number): string {
  const start = Date.parse(str(status.startTime));
  if (Number.isNaN(start)) return '';
  const end = Date.parse(str(status.completionTime));
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

const JOB_SELECTOR_DESCRIPTION =
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

export const jobs: Printer = {
  columns: [
    nameColumn,
    col('Status', 'string', 'Status of the job.'),
    col(
      'Completions',
      'string',
      'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.',
    ),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    col('Selector', 'string', JOB_SELECTOR_DESCRIPTION, 1),
  ],
  row(job, now) {
    const spec = rec(job.spec);
    const status = rec(job.status);
    const [names, images] = containerCells(podSpecOf(spec));
    return [
      job.metadata.name,
      jobStatus(job, status.conditions),
      jobCompletions(spec, int(status.succeeded)),
      jobDuration(status, now),
      age(job.metadata.creationTimestamp, now),
      names,
      images,
      selectorCell(spec.selector),
    ];
  },
};

export const cronjobs: Printer = {
  columns: [
    nameColumn,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col(
      'Timezone',
      'string',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    ),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    col('Selector', 'string', JOB_SELECTOR_DESCRIPTION, 1),
  ],
  row(cj, now) {
    const spec = rec(cj.spec);
    const status = rec(cj.status);
    const jobSpec = rec(rec(spec.jobTemplate).spec);
    const [names, images] = containerCells(podSpecOf(jobSpec));
    const lastSchedule = str(status.lastScheduleTime);
    return [
      cj.metadata.name,
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      boolPtr(spec.suspend),
      arr(status.active).length,
      lastSchedule ? age(lastSchedule, now) : '<none>',
      age(cj.metadata.creationTimestamp, now),
      names,
      images,
      selectorCell(jobSpec.selector),
    ];
  },
};
