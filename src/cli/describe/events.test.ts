import { describe, expect, it } from 'vitest';
import type { Event } from '../../api/core/v1.js';
import type { KubeObject } from '../../api/meta.js';
import { describeEvents, eventAge, eventIsAbout } from './events.js';
import { tabbedString } from './writer.js';

const now = Date.parse('2024-05-01T12:10:00Z');

const event = (fields: Partial<Event>): Event => ({ metadata: {}, involvedObject: {}, reportingComponent: '', reportingInstance: '', ...fields });

describe('the Events section', () => {
  it('prints <none> when there are no events', () => {
    expect(tabbedString((w) => describeEvents(w, [], now))).toBe('Events:  <none>\n');
  });

  it('lists events oldest first, with repeat counts and the reporting controller when there is no source', () => {
    const text = tabbedString((w) =>
      describeEvents(
        w,
        [
          event({ type: 'Warning', reason: 'BackOff', message: ' restarting \n', firstTimestamp: '2024-05-01T12:00:00Z', lastTimestamp: '2024-05-01T12:08:00Z', count: 5, source: { component: 'kubelet' } }),
          event({ type: 'Normal', reason: 'Scheduled', message: 'assigned', eventTime: '2024-05-01T11:59:00.000000Z', reportingComponent: 'default-scheduler' }),
        ],
        now,
      ),
    );
    expect(text).toBe(
      [
        'Events:',
        '  Type     Reason     Age               From               Message',
        '  ----     ------     ----              ----               -------',
        '  Normal   Scheduled  11m               default-scheduler  assigned',
        '  Warning  BackOff    2m (x5 over 10m)  kubelet            restarting',
        '',
      ].join('\n'),
    );
  });

  it('counts a series from its last observation', () => {
    const e = event({ eventTime: '2024-05-01T12:00:00.000000Z', series: { count: 3, lastObservedTime: '2024-05-01T12:09:00.000000Z' } });
    expect(eventAge(e, now)).toBe('60s (x3 over 10m)');
  });

  it('matches events to an object by name, namespace, kind and uid', () => {
    const obj: KubeObject = { metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
    const about = (ref: Event['involvedObject']) => event({ involvedObject: ref });
    expect(eventIsAbout(about({ kind: 'Deployment', name: 'web', namespace: 'default', uid: 'u1' }), obj, 'Deployment')).toBe(true);
    expect(eventIsAbout(about({ kind: 'Deployment', name: 'web', namespace: 'default' }), obj, 'Deployment')).toBe(true);
    expect(eventIsAbout(about({ kind: 'Deployment', name: 'web', namespace: 'default', uid: 'old' }), obj, 'Deployment')).toBe(false);
    expect(eventIsAbout(about({ kind: 'ReplicaSet', name: 'web', namespace: 'default', uid: 'u1' }), obj, 'Deployment')).toBe(false);
    expect(eventIsAbout(about({ kind: 'Deployment', name: 'web', namespace: 'other', uid: 'u1' }), obj, 'Deployment')).toBe(false);
    expect(eventIsAbout(about({ kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' }), obj, undefined)).toBe(true);
  });
});
