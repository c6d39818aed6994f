import { ErrorEnvelopeSchema, type ErrorCode, type ErrorEnvelope, type FieldIssue } from '@platform/contracts';

/** Asserts `body` is the platform's error envelope with `code` and returns it typed. */
export function envelope(body: unknown, code?: ErrorCode): ErrorEnvelope {
  const parsed = ErrorEnvelopeSchema.parse(body);
  if (code !== undefined) expect(parsed.error_code).toBe(code);
  return parsed;
}

/** The field issues of a VALIDATION_ERROR envelope. */
export function fieldIssues(body: unknown): FieldIssue[] {
  const e = envelope(body, 'VALIDATION_ERROR');
  return (e.details?.issues ?? []) as FieldIssue[];
}

export const issuePaths = (body: unknown): string[] => fieldIssues(body).map((i) => i.path);
