// Turning HTTP failures into StatusError values, and the predicates callers
// use on them (client-go's apierrors.IsNotFound and friends).
import { isStatus, StatusError, type StatusReason } from '../api/status.js';

const reasonByCode: Record<number, { reason: StatusReason; message: string }> = {
  400: { reason: 'BadRequest', message: 'the server rejected our request for an unknown reason' },
  401: { reason: 'Unauthorized', message: 'the server has asked for the client to provide credentials' },
  403: { reason: 'Forbidden', message: 'the server does not allow access to the requested resource' },
  404: { reason: 'NotFound', message: 'the server could not find the requested resource' },
  405: { reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource' },
  406: { reason: 'NotAcceptable', message: 'the server was unable to respond with a content type that the client supports' },
  409: { reason: 'Conflict', message: 'the server reported a conflict' },
  410: { reason: 'Gone', message: 'the requested resource version is no longer available' },
  413: { reason: 'RequestEntityTooLarge', message: 'the server has rejected the request because it is too large' },
  415: { reason: 'UnsupportedMediaType', message: 'the server was unable to respond with a content type that the client supports' },
  422: { reason: 'Invalid', message: 'the server rejected our request due to an error in our request' },
  429: { reason: 'TooManyRequests', message: 'the server has received too many requests and has asked us to try again later' },
  500: { reason: 'InternalError', message: 'an error on the server has prevented the request from succeeding' },
  503: { reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' },
  504: { reason: 'Timeout', message: 'the server was unable to return a response in the time allotted, but may still be processing the request' },
};

/**
 * The error for a non-2xx response: the server's own Status when the body is
 * one, otherwise one synthesized from the HTTP code the way client-go does,
 * with the body kept as an UnexpectedServerResponse cause.
 */
export function errorFromResponse(
  statusCode: number,
  body: string,
  opts: { method?: string; retryAfterSeconds?: number } = {},
): StatusError {
  const { retryAfterSeconds } = opts;
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (isStatus(parsed)) {
    const err = StatusError.fromStatus({ ...parsed, code: parsed.code || statusCode }, statusCode);
    if (retryAfterSeconds !== undefined && err.details?.retryAfterSeconds === undefined && statusCode === 429) {
      return new StatusError(err.code, err.reason, err.message, { ...err.details, retryAfterSeconds });
    }
    return err;
  }
  const known = reasonByCode[statusCode];
  const reason: StatusReason =
    statusCode === 409 && opts.method === 'POST' ? 'AlreadyExists' : (known?.reason ?? (statusCode >= 500 ? 'InternalError' : ''));
  const text = body.trim();
  // As in client-go, 403 and 415 keep the server's words: they say who may not do what, or which types are accepted.
  const message =
    (statusCode === 403 || statusCode === 415) && text
      ? truncate(text)
      : (known?.message ?? `an error on the server ("${truncate(text)}") has prevented the request from succeeding`);
  const details = {
    ...(text ? { causes: [{ reason: 'UnexpectedServerResponse', message: truncate(text) }] } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
  return new StatusError(statusCode, reason, message, Object.keys(details).length ? details : undefined);
}

function truncate(s: string, max = 1024): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

const statusErrorOf = (err: unknown): StatusError | undefined => (err instanceof StatusError ? err : undefined);

export const isStatusError = (err: unknown): err is StatusError => err instanceof StatusError;
export const isNotFound = (err: unknown): boolean => statusErrorOf(err)?.reason === 'NotFound' || statusErrorOf(err)?.code === 404;
export const isAlreadyExists = (err: unknown): boolean => statusErrorOf(err)?.reason === 'AlreadyExists';
/** A 409 that is not AlreadyExists: an optimistic-concurrency conflict; re-read and retry. */
export const isConflict = (err: unknown): boolean => {
  const e = statusErrorOf(err);
  return e !== undefined && e.code === 409 && e.reason !== 'AlreadyExists';
};
export const isInvalid = (err: unknown): boolean => statusErrorOf(err)?.reason === 'Invalid' || statusErrorOf(err)?.code === 422;
export const isForbidden = (err: unknown): boolean => statusErrorOf(err)?.code === 403;
export const isUnauthorized = (err: unknown): boolean => statusErrorOf(err)?.code === 401;
/**
 * The apiserver's refusal to create in a namespace being deleted: a 403 with
 * the NamespaceTerminating cause, or its message from a server that gives no
 * cause. Controllers drop such work instead of retrying it.
 */
export const isNamespaceTerminating = (err: unknown): boolean => {
  const e = statusErrorOf(err);
  if (e === undefined || e.code !== 403) return false;
  return (e.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating') || e.message.includes('because it is being terminated');
};
/** 410: the resourceVersion asked for is older than the server keeps (reason Expired, or Gone from old servers). */
export const isExpired = (err: unknown): boolean => {
  const e = statusErrorOf(err);
  return e !== undefined && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');
};
export const isTooManyRequests = (err: unknown): boolean => statusErrorOf(err)?.code === 429;
/** The server's "Too large resource version" answer: the asked-for RV is ahead of its cache. */
export const isTooLargeResourceVersion = (err: unknown): boolean => {
  const e = statusErrorOf(err);
  return (
    e !== undefined &&
    (e.details?.causes ?? []).some((c) => c.reason === 'ResourceVersionTooLarge' || c.message === 'Too large resource version')
  );
};
