import type { Redis } from 'ioredis';
import { SessionEventSchema, type SessionEvent } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';

type Listener = (e: SessionEvent) => void;

/**
 * Live fan-out of persisted events to stream clients on every sessions instance: the consumer
 * publishes each event after it commits; each instance subscribes to a session's channel while it
 * has listeners for it and hands events to them in order.
 */
export class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Per session, the SUBSCRIBE in flight or done. */
  private readonly subscribing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.sub.on('message', (channel: string, message: string) => this.dispatch(channel, message));
  }

  private channel(sessionId: string): string {
    return `${this.prefix}events:${sessionId}`;
  }

  async publish(e: SessionEvent): Promise<void> {
    await this.pub.publish(this.channel(e.session_id), JSON.stringify(e));
  }

  /** Publishes events in order in one round trip (a pipeline keeps their order). */
  async publishMany(events: SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    const p = this.pub.pipeline();
    for (const e of events) p.publish(this.channel(e.session_id), JSON.stringify(e));
    const results = (await p.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  /** Starts delivering a session's live events to `listener`; resolves once subscribed. Returns the unsubscribe function. */
  async subscribe(sessionId: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(sessionId);
    if (!set) {
      set = new Set();
      this.listeners.set(sessionId, set);
      this.subscribing.set(sessionId, this.sub.subscribe(this.channel(sessionId)));
    }
    set.add(listener);
    const unsubscribe = () => {
      const current = this.listeners.get(sessionId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(sessionId);
        this.subscribing.delete(sessionId);
        this.sub.unsubscribe(this.channel(sessionId)).catch((err: unknown) => this.logger.warn('unsubscribe failed', errorFields(err)));
      }
    };
    try {
      // Every subscriber waits for the one SUBSCRIBE, so none reads the log before live events flow.
      await this.subscribing.get(sessionId);
    } catch (err) {
      // Leave no listener behind on a channel that is not subscribed: the next subscriber tries again.
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  private dispatch(channel: string, message: string): void {
    const sessionId = channel.slice(`${this.prefix}events:`.length);
    const set = this.listeners.get(sessionId);
    if (!set) return;
    const parsed = SessionEventSchema.safeParse(JSON.parse(message));
    if (!parsed.success) return;
    for (const l of set) l(parsed.data);
  }
}
