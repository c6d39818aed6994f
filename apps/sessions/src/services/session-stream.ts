import type { SessionEvent } from '@platform/contracts';
import type { EventLogRepository } from '../repositories/event-log.repository';
import { toEventDto } from '../repositories/mappers';
import type { EventHub } from './event-hub';

const PAGE = 500;

/**
 * A session's events for one client: everything after `afterSeq` from the log, then live, each
 * exactly once and in order. Live events that arrive during the replay are held and deduplicated;
 * a gap in the live feed is filled from the log.
 */
export async function openSessionStream(
  deps: { hub: EventHub; log: EventLogRepository },
  sessionId: string,
  afterSeq: number | undefined,
  send: (e: SessionEvent) => void,
): Promise<() => void> {
  let last = afterSeq ?? -1;
  let replaying = true;
  let closed = false;
  const held: SessionEvent[] = [];
  let chain = Promise.resolve();

  const emit = (e: SessionEvent) => {
    if (closed || e.seq <= last) return;
    send(e);
    last = e.seq;
  };
  const fillTo = async (seq: number) => {
    while (!closed && last < seq - 1) {
      const rows = await deps.log.listAfter(sessionId, last, Math.min(PAGE, seq - 1 - last));
      if (rows.length === 0) break;
      for (const r of rows) emit(toEventDto(r));
    }
  };
  const onLive = (e: SessionEvent) => {
    if (replaying) {
      held.push(e);
      return;
    }
    // Serialised so a gap fill finishes before later events are written. A fill that fails (the database
    // is away) skips this event and leaves `last` alone, so the next live event fills the gap again; the
    // chain must never stay rejected (it would stop the stream and end the process as an unhandled rejection).
    chain = chain
      .then(async () => {
        if (last >= 0 && e.seq > last + 1) await fillTo(e.seq);
        emit(e);
      })
      .catch(() => undefined);
  };

  const unsubscribe = await deps.hub.subscribe(sessionId, onLive);
  try {
    if (afterSeq !== undefined) {
      for (;;) {
        const rows = await deps.log.listAfter(sessionId, last, PAGE);
        for (const r of rows) emit(toEventDto(r));
        if (rows.length < PAGE || closed) break;
      }
    }
    replaying = false;
    for (const e of held.sort((a, b) => a.seq - b.seq)) {
      if (afterSeq !== undefined && last >= 0 && e.seq > last + 1) await fillTo(e.seq);
      emit(e);
    }
    held.length = 0;
  } catch (err) {
    unsubscribe();
    throw err;
  }
  return () => {
    closed = true;
    unsubscribe();
  };
}
