import { InternalHistoryResponseSchema, type Message } from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';

/** Where a run gets its session's messages. */
export interface HistorySource {
  fetch(sessionId: string): Promise<Message[]>;
}

/** Reads history from sessions' internal API (`GET /internal/sessions/{id}/messages`), parsed with its contract. */
export function sessionsHistory(sessions: ServiceClient, timeoutMs: number): HistorySource {
  return {
    async fetch(sessionId) {
      const { data } = await sessions.request({
        method: 'GET',
        path: `/internal/sessions/${encodeURIComponent(sessionId)}/messages`,
        schema: InternalHistoryResponseSchema,
        timeoutMs,
      });
      return data.messages;
    },
  };
}
