import type { SessionEvent } from '@platform/contracts';
import type { SseStream } from '@platform/testing';
import { waitUntil } from '../../../tests/support/platform';
import { isTerminal, nextEvent, openStream } from '../../../tests/support/sessions';

/**
 * Live SSE streams of many sessions read in the background: what every client watching saw, as it
 * arrived, so a test can act at the right moment (runs in flight, progress after a restart).
 */
export class SessionWatch {
  private readonly seen = new Map<string, SessionEvent[]>();
  private readonly readers: Array<Promise<void>> = [];
  private arrivals = 0;

  private constructor(private readonly streams: Map<string, SseStream>) {
    for (const [id, stream] of streams) {
      const events: SessionEvent[] = [];
      this.seen.set(id, events);
      this.readers.push(this.read(stream, events));
    }
  }

  /** Opens one live stream per session through the gateway. */
  static async open(gatewayUrl: string, accessToken: string, sessionIds: string[]): Promise<SessionWatch> {
    const streams = new Map<string, SseStream>();
    try {
      for (const id of sessionIds) streams.set(id, await openStream(gatewayUrl, accessToken, id));
    } catch (err) {
      for (const s of streams.values()) s.close();
      throw err;
    }
    return new SessionWatch(streams);
  }

  /** Every event seen live on `sessionId`'s stream, in arrival order. */
  events(sessionId: string): SessionEvent[] {
    return this.seen.get(sessionId) ?? [];
  }

  /** How many events arrived on all streams so far (a clock of progress). */
  get total(): number {
    return this.arrivals;
  }

  /** Sessions whose stream has not shown a terminal event yet. */
  unfinished(): string[] {
    return [...this.seen].filter(([, events]) => !events.some(isTerminal)).map(([id]) => id);
  }

  /** Waits until at least `count` more events arrived than `since` (a `total` read earlier). */
  progressed(since: number, count: number, timeoutMs = 30_000): Promise<void> {
    return waitUntil(`${count} more live events`, async () => this.arrivals >= since + count, timeoutMs, 25);
  }

  /** Waits until every stream showed a terminal event. */
  allEnded(timeoutMs: number): Promise<void> {
    return waitUntil('every watched run ended', async () => this.unfinished().length === 0, timeoutMs, 100);
  }

  async close(): Promise<void> {
    for (const s of this.streams.values()) s.close();
    await Promise.all(this.readers);
  }

  private async read(stream: SseStream, into: SessionEvent[]): Promise<void> {
    try {
      for (;;) {
        into.push(await nextEvent(stream, 600_000));
        this.arrivals++;
      }
    } catch {
      // Closed (or broken): what was seen stays; the assertions compare it with the stored log.
    }
  }
}
