import { InternalHistoryResponseSchema, type Message, type RunStatus, type SessionOptions } from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';

/** A session's messages and, from sessions versions that send them, its current options and the run's status. */
export interface SessionHistory {
  messages: Message[];
  options?: SessionOptions | undefined;
  runStatus?: RunStatus | undefined;
}

/** Where a run gets its session's messages and current options. */
export interface HistorySource {
  fetch(sessionId: string, runId?: string): Promise<SessionHistory>;
}

/** Reads history from sessions' internal API (`GET /internal/sessions/{id}/messages`), parsed with its contract. */
export function sessionsHistory(sessions: ServiceClient, timeoutMs: number): HistorySource {
  return {
    async fetch(sessionId, runId) {
      const { data } = await sessions.request({
        method: 'GET',
        path: `/internal/sessions/${encodeURIComponent(sessionId)}/messages`,
        ...(runId ? { query: { run_id: runId } } : {}),
        schema: InternalHistoryResponseSchema,
        timeoutMs,
      });
      return { messages: data.messages, options: data.options, runStatus: data.run?.status };
    },
  };
}
