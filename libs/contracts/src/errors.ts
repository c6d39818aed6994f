import { z } from 'zod';

/** Every machine-readable error code the platform answers with; the closed union behind the error envelope. */
export const ErrorCodeSchema = z.enum([
  'VALIDATION_ERROR',
  'INVALID_JSON',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'UNAUTHORIZED',
  'INVALID_CREDENTIALS',
  'TOKEN_EXPIRED',
  'TOKEN_REUSED',
  'TOKEN_REVOKED',
  'FORBIDDEN',
  'ACCOUNT_DISABLED',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'CONFLICT',
  'RUN_IN_PROGRESS',
  'IDEMPOTENCY_KEY_REUSED',
  'RATE_LIMITED',
  'TOO_MANY_STREAMS',
  'QUOTA_EXCEEDED',
  'BUDGET_EXCEEDED',
  'INTERNAL_ERROR',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The one HTTP status each error code maps to. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REUSED: 401,
  TOKEN_REVOKED: 401,
  FORBIDDEN: 403,
  ACCOUNT_DISABLED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CONFLICT: 409,
  RUN_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  TOO_MANY_STREAMS: 429,
  QUOTA_EXCEEDED: 429,
  /** A person's token or cost budget for the day or month is spent: not a matter of retrying soon. */
  BUDGET_EXCEEDED: 402,
  INTERNAL_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
};

/** One invalid field of a request: where it is (`body.email`) and what is wrong with it. */
export const FieldIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  code: z.string(),
});
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

/** The single JSON error envelope every service and the gateway answer with. */
export const ErrorEnvelopeSchema = z.object({
  error: z.string(),
  error_code: ErrorCodeSchema,
  details: z.record(z.string(), z.unknown()).optional(),
  request_id: z.string(),
  timestamp: z.string(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
