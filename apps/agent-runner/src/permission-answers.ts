import { InternalPermissionResponseSchema, type PermissionRequest } from '@platform/contracts';
import { UpstreamResponseError, type ServiceClient } from '@platform/service-client';

/** Where a resumed run reads what a person answered to its permission request. */
export interface PermissionAnswers {
  /** The request as sessions knows it; undefined while sessions has not recorded it yet (404). */
  read(sessionId: string, requestId: string): Promise<PermissionRequest | undefined>;
}

/** Reads answers from sessions' internal API (`GET /internal/sessions/{id}/permissions/{request_id}`). */
export function sessionsPermissions(sessions: ServiceClient, timeoutMs: number): PermissionAnswers {
  return {
    async read(sessionId, requestId) {
      try {
        const { data } = await sessions.request({
          method: 'GET',
          path: `/internal/sessions/${encodeURIComponent(sessionId)}/permissions/${encodeURIComponent(requestId)}`,
          schema: InternalPermissionResponseSchema,
          timeoutMs,
        });
        return data;
      } catch (err) {
        // The event that creates the request may still be on its way through sessions' consumer.
        if (err instanceof UpstreamResponseError && err.upstreamStatus === 404) return undefined;
        throw err;
      }
    },
  };
}
