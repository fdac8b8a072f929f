// The time formats kubectl prints: Go's time.RFC1123Z for timestamps in
// describe output (in the local time zone, as metav1.Time decodes them),
// RFC 3339 with the local offset for annotations it writes, and ages as
// HumanDuration.
import { humanDuration } from '../../printers/duration.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number): string => String(n).padStart(2, '0');

function offset(d: Date, colon: boolean): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}${colon ? ':' : ''}${two(abs % 60)}`;
}

/** Go's zero time.Time formatted as RFC1123Z, what kubectl prints for an unset timestamp. */
const ZERO_RFC1123Z = 'Mon, 01 Jan 0001 00:00:00 +0000';

/** time.RFC1123Z ("Mon, 02 Jan 2006 15:04:05 -0700") of a wire timestamp; Go's zero time when unset. */
export function rfc1123z(timestamp: string | null | undefined): string {
  if (!timestamp) return ZERO_RFC1123Z;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return ZERO_RFC1123Z;
  const d = new Date(ms);
  return `${DAYS[d.getDay()]}, ${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${offset(d, false)}`;
}

/** time.RFC3339 of a moment in the local zone ("2006-01-02T15:04:05Z07:00": "Z" for UTC). */
export function rfc3339Local(ms: number): string {
  const d = new Date(ms);
  const zone = d.getTimezoneOffset() === 0 ? 'Z' : offset(d, true);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}${zone}`;
}

/** translateTimestampSince: the age of a timestamp, "<unknown>" when unset. */
export function since(timestamp: string | null | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return '<unknown>';
  return humanDuration(now - ms);
}
