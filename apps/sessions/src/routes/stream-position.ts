import { StreamSeqSchema } from '@platform/contracts';
import { ValidationError } from '@platform/service-kit';

/**
 * Where a stream resumes: the SSE `Last-Event-ID` header, or `?last_event_id=` / `?since=` (0 replays
 * everything). Without any, the stream is live only. Each must be a plain non-negative integer in
 * decimal digits: `1e3`, `0x10`, `5.0`, ` 5` and `-1` are 400s, not numbers; an empty one counts as absent.
 */
export function resumePosition(header: string | undefined, query: Record<string, unknown>): number | undefined {
  const [raw, path] =
    header !== undefined
      ? [header, 'headers.last-event-id']
      : query.last_event_id !== undefined
        ? [query.last_event_id, 'query.last_event_id']
        : [query.since, 'query.since'];
  // An empty value is no value (an EventSource that has seen no id sends none).
  if (raw === undefined || raw === '') return undefined;
  const parsed = StreamSeqSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError([{ path, message: 'must be a non-negative integer in decimal digits', code: 'custom' }]);
  return parsed.data;
}
