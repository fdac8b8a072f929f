import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CronJob, Job } from '../../api/batch/v1.js';
import type { PodTemplateSpec } from '../../api/core/v1.js';
import { capIndexes, describeCronJob, describeJob } from './jobs.js';

const tz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  process.env.TZ = tz;
});

const now = Date.parse('2024-05-01T12:10:00Z');

const template: PodTemplateSpec = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'skiff/echo:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
};

describe('describeJob and describeCronJob', () => {
  it('prints a finished job with its duration and pod counts', () => {
    const job: Job = {
      metadata: { name: 'pi', namespace: 'default' },
      spec: {
        parallelism: 1,
        completions: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x' } },
        template,
      },
      status: { startTime: '2024-05-01T12:00:00Z', completionTime: '2024-05-01T12:01:05Z', succeeded: 1, ready: 0 },
    };
    expect(describeJob(job, [], now)).toBe(
      [
        "Name:             pi",
        "Namespace:        default",
        "Selector:         batch.kubernetes.io/controller-uid=x",
        "Labels:           <none>",
        "Annotations:      <none>",
        "Parallelism:      1",
        "Completions:      1",
        "Completion Mode:  NonIndexed",
        "Suspend:          false",
        "Backoff Limit:    6",
        "Start Time:       Wed, 01 May 2024 12:00:00 +0000",
        "Completed At:     Wed, 01 May 2024 12:01:05 +0000",
        "Duration:         65s",
        "Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed",
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   web:",
        "    Image:         skiff/echo:1",
        "    Port:          8080/TCP",
        "    Host Port:     0/TCP",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Events:            <none>",
        '',
      ].join('\n'),
    );
  });

  it('prints a cron job with <unset> for what it leaves to defaults', () => {
    const cj: CronJob = {
      metadata: { name: 'tick', namespace: 'default' },
      spec: {
        schedule: '*/1 * * * *',
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: { spec: { template } },
      },
      status: {},
    };
    expect(describeCronJob(cj, [], now)).toBe(
      [
        "Name:                          tick",
        "Namespace:                     default",
        "Labels:                        <none>",
        "Annotations:                   <none>",
        "Schedule:                      */1 * * * *",
        "Concurrency Policy:            Allow",
        "Suspend:                       False",
        "Successful Job History Limit:  3",
        "Failed Job History Limit:      1",
        "Starting Deadline Seconds:     <unset>",
        "Selector:                      <unset>",
        "Parallelism:                   <unset>",
        "Completions:                   <unset>",
        "Pod Template:",
        "  Labels:  app=web",
        "  Containers:",
        "   web:",
        "    Image:           skiff/echo:1",
        "    Port:            8080/TCP",
        "    Host Port:       0/TCP",
        "    Environment:     <none>",
        "    Mounts:          <none>",
        "  Volumes:           <none>",
        "  Node-Selectors:    <none>",
        "  Tolerations:       <none>",
        "Last Schedule Time:  <unset>",
        "Active Jobs:         <none>",
        "Events:              <none>",
        '',
      ].join('\n'),
    );
  });

  it('lists active jobs and the last schedule time', () => {
    const cj: CronJob = {
      metadata: { name: 'tick', namespace: 'default' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } },
      status: { lastScheduleTime: '2024-05-01T12:09:00Z', active: [{ name: 'tick-1' }, { name: 'tick-2' }] },
    };
    const text = describeCronJob(cj, undefined, now);
    expect(text).toMatch(/^Last Schedule Time:\s+Wed, 01 May 2024 12:09:00 \+0000$/m);
    expect(text).toMatch(/^Active Jobs:\s+tick-1, tick-2$/m);
    expect(text).toMatch(/^Suspend:\s+<unset>$/m);
  });

  it('cuts a long list of completed indexes after about 50 characters', () => {
    const indexes = Array.from({ length: 40 }, (_, i) => String(i * 2)).join(',');
    const capped = capIndexes(indexes, 50);
    expect(capped.endsWith(',...')).toBe(true);
    expect(capped.length).toBeLessThan(60);
    expect(capIndexes('1-3', 50)).toBe('1-3');
    expect(capIndexes('', 50)).toBe('<none>');
  });
});
