import { z } from 'zod';
import { ValidationError } from '@platform/service-kit';

const Seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * Where a stream resumes: the SSE `Last-Event-ID` header, or `?last_event_id=` / `?since=` (0 replays
 * everything). Without any, the stream is live only.
 */
export function resumePosition(header: string | undefined, query: Record<string, unknown>): number | undefined {
  const raw = header ?? query.last_event_id ?? query.since;
  if (raw === undefined || raw === '') return undefined;
  const parsed = Seq.safeParse(raw);
  if (!parsed.success) throw new ValidationError([{ path: header !== undefined ? 'headers.last-event-id' : 'query.since', message: 'must be a non-negative integer', code: 'custom' }]);
  return parsed.data;
}
