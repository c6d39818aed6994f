import {
  ErrorEnvelopeSchema,
  QueryAcceptedResponseSchema,
  SessionSchema,
  type ErrorEnvelope,
  type QueryAcceptedResponse,
  type Session,
} from '@platform/contracts';
import type { JsonResponse } from '@platform/testing';
import type { TestUser } from './sessions';

export const SESSIONS = '/api/v1/sessions';

/** Creates a session (201 expected) and returns it. */
export async function createSession(user: TestUser, body: Record<string, unknown> = {}): Promise<Session> {
  const res = await user.api.post(SESSIONS, { name: 'A session', ...body });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.text}`);
  return SessionSchema.parse(res.body);
}

/** Sends a query (202 expected) and returns the accepted run. */
export async function sendQuery(
  user: TestUser,
  sessionId: string,
  message = 'What is in this directory?',
): Promise<QueryAcceptedResponse> {
  const res = await user.api.post(`${SESSIONS}/${sessionId}/query`, { message });
  if (res.status !== 202) throw new Error(`query answered ${res.status}: ${res.text}`);
  return QueryAcceptedResponseSchema.parse(res.body);
}

/** The error envelope of a response (throws if the body is not one). */
export function envelope(res: JsonResponse): ErrorEnvelope {
  return ErrorEnvelopeSchema.parse(res.body);
}
