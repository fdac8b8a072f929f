// The meta/v1 Status object: the one shape every API failure takes on the
// wire, and the StatusError value that carries it through server and client.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Invalid'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | '';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }

  static fromStatus(s: Partial<Status>, fallbackCode = 500): StatusError {
    return new StatusError(s.code ?? fallbackCode, s.reason ?? '', s.message ?? 'unknown error', s.details);
  }
}

export function isStatus(v: unknown): v is Status {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status';
}

/** The qualified resource as Kubernetes names it in messages: "pods", "deployments.apps". */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  badRequest: (msg: string) => new StatusError(400, 'BadRequest', msg),
  unauthorized: (msg = 'Unauthorized') => new StatusError(401, 'Unauthorized', msg),
  forbidden: (resource: string, group: string, name: string, msg: string) =>
    new StatusError(403, 'Forbidden', `${qualifiedResource(resource, group)} "${name}" is forbidden: ${msg}`, {
      name,
      group,
      kind: resource,
    }),
  notFound: (resource: string, group: string, name: string) =>
    new StatusError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
      name,
      group,
      kind: resource,
    }),
  pathNotFound: () => new StatusError(404, 'NotFound', 'the server could not find the requested resource'),
  methodNotAllowed: (method: string) =>
    new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method}`),
  alreadyExists: (resource: string, group: string, name: string) =>
    new StatusError(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, {
      name,
      group,
      kind: resource,
    }),
  conflict: (resource: string, group: string, name: string, msg: string) =>
    new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${msg}`,
      { name, group, kind: resource },
    ),
  gone: (msg: string) => new StatusError(410, 'Expired', msg),
  tooLarge: (msg = 'Request entity too large: limit is 3145728') => new StatusError(413, 'RequestEntityTooLarge', msg),
  unsupportedMediaType: (ct: string) =>
    new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got ${ct}`),
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]) =>
    new StatusError(
      422,
      'Invalid',
      `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${formatCauses(causes)}`,
      { name, group, kind, causes },
    ),
  tooManyRequests: (msg: string, retryAfterSeconds = 1) =>
    new StatusError(429, 'TooManyRequests', msg, { retryAfterSeconds }),
  internal: (msg: string) => new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`),
  unavailable: (msg: string) => new StatusError(503, 'ServiceUnavailable', msg),
  timeout: (msg: string) => new StatusError(504, 'Timeout', msg),
};

function formatCauses(causes: StatusCause[]): string {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? '')));
  return parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
}
