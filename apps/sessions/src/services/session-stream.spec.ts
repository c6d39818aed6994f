import type { SessionEvent } from '@platform/contracts';
import type { SessionEvent as Row } from '../generated/prisma/client';
import type { EventLogRepository } from '../repositories/event-log.repository';
import { toEventDto } from '../repositories/mappers';
import type { EventHub } from './event-hub';
import { openSessionStream } from './session-stream';

const SESSION = '00000000-0000-4000-8000-000000000001';
const RUN = '00000000-0000-4000-8000-000000000002';

const row = (seq: number): Row => ({
  id: BigInt(seq),
  sessionId: SESSION,
  seq,
  runId: RUN,
  runSeq: seq - 1,
  type: 'text_delta',
  data: { text: `t${seq}` },
  createdAt: new Date(0),
});

/** An event log and a live feed the test drives by hand. */
function world(stored: number) {
  const rows = Array.from({ length: stored }, (_, i) => row(i + 1));
  let live: ((e: SessionEvent) => void) | undefined;
  let failNextRead = false;
  let unsubscribed = 0;
  const log = {
    listAfter: async (_s: string, after: number, limit: number) => {
      await Promise.resolve();
      if (failNextRead) {
        failNextRead = false;
        throw new Error('database unavailable');
      }
      return rows.filter((r) => r.seq > after).slice(0, limit);
    },
  } as unknown as EventLogRepository;
  const hub = {
    subscribe: async (_s: string, l: (e: SessionEvent) => void) => {
      live = l;
      return () => unsubscribed++;
    },
  } as unknown as EventHub;
  return {
    deps: { hub, log },
    /** The consumer committed event `seq` (and, unless `lost`, published it). */
    commit(seq: number, o: { lost?: boolean } = {}) {
      rows.push(row(seq));
      if (!o.lost) live?.(toEventDto(row(seq)));
    },
    failNextRead: () => (failNextRead = true),
    unsubscribed: () => unsubscribed,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('openSessionStream', () => {
  it('replays the log after the position, then carries live events once each', async () => {
    const w = world(3);
    const seen: number[] = [];
    const close = await openSessionStream(w.deps, SESSION, 1, (e) => seen.push(e.seq));

    w.commit(4);
    await settle();
    close();
    w.commit(5);
    await settle();

    expect(seen).toEqual([2, 3, 4]);
    expect(w.unsubscribed()).toBe(1);
  });

  it('fills a gap in the live feed from the log, in order', async () => {
    const w = world(2);
    const seen: number[] = [];
    await openSessionStream(w.deps, SESSION, 0, (e) => seen.push(e.seq));

    w.commit(3, { lost: true });
    w.commit(4, { lost: true });
    w.commit(5);
    await settle();

    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('is live only without a position, and fills gaps after the first live event', async () => {
    const w = world(4);
    const seen: number[] = [];
    await openSessionStream(w.deps, SESSION, undefined, (e) => seen.push(e.seq));

    w.commit(5);
    w.commit(6, { lost: true });
    w.commit(7);
    await settle();

    expect(seen).toEqual([5, 6, 7]);
  });

  it('keeps going after a gap fill fails: the next live event fills the gap again', async () => {
    const w = world(1);
    const seen: number[] = [];
    await openSessionStream(w.deps, SESSION, 0, (e) => seen.push(e.seq));

    w.commit(2, { lost: true });
    w.failNextRead();
    w.commit(3);
    await settle();
    w.commit(4);
    await settle();

    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
