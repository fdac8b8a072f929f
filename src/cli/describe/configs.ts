// kubectl describe for ConfigMaps (every value in full) and Secrets (only
// the size of each value, never the value).
import type { ConfigMap, Event, Secret } from '../../api/core/v1.js';
import { describeEvents } from './events.js';
import { printAnnotationsMultiline, printLabelsMultiline, writeNameNamespace } from './multiline.js';
import { LEVEL_0, tabbedString } from './writer.js';

// Go walks these maps in random order; sorted keys keep the output stable.
const sortedKeys = (m: Record<string, string> | undefined): string[] => Object.keys(m ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Bytes a base64 wire value decodes to. */
const decodedLength = (b64: string): number => Buffer.from(b64, 'base64').length;

export function describeConfigMap(cm: ConfigMap, events: Event[] | undefined, now: number): string {
  return tabbedString((w) => {
    writeNameNamespace(w, cm.metadata);
    printLabelsMultiline(w, 'Labels', cm.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', cm.metadata.annotations);
    w.write(LEVEL_0, '\nData\n====\n');
    for (const k of sortedKeys(cm.data)) {
      w.write(LEVEL_0, `${k}:\n----\n`);
      w.write(LEVEL_0, `${cm.data![k]}\n`);
      w.write(LEVEL_0, '\n');
    }
    w.write(LEVEL_0, '\nBinaryData\n====\n');
    for (const k of sortedKeys(cm.binaryData)) w.write(LEVEL_0, `${k}: ${decodedLength(cm.binaryData![k]!)} bytes\n`);
    w.write(LEVEL_0, '\n');
    if (events) describeEvents(w, events, now);
  });
}

export function describeSecret(secret: Secret): string {
  return tabbedString((w) => {
    writeNameNamespace(w, secret.metadata);
    printLabelsMultiline(w, 'Labels', secret.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', secret.metadata.annotations);
    w.write(LEVEL_0, `\nType:\t${secret.type ?? ''}\n`);
    w.write(LEVEL_0, '\nData\n====\n');
    for (const k of sortedKeys(secret.data)) {
      const v = secret.data![k]!;
      // A service account token is the one value kubectl shows: it is meant to be copied.
      if (k === 'token' && secret.type === 'kubernetes.io/service-account-token') {
        w.write(LEVEL_0, `${k}:\t${Buffer.from(v, 'base64').toString('utf8')}\n`);
      } else {
        w.write(LEVEL_0, `${k}:\t${decodedLength(v)} bytes\n`);
      }
    }
  });
}
