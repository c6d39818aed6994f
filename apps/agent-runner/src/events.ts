import type { Redis } from 'ioredis';
import { EVENT_SCHEMA_VERSION, RunEventSchema, type RunEvent } from '@platform/contracts';
import { EventStoreError } from './errors';
import { advance, ledgerFields, ledgerKey, loadLedger, type RunLedger } from './run-ledger';

type Envelope = 'v' | 'session_id' | 'run_id' | 'run_seq';
/** An event as the loop produces it; the writer adds ids, version and sequence number. */
export type RunEventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, Envelope> : never) : never;

/** Where the agent loop sends its events. */
export interface EventSink {
  emit(event: RunEventBody): Promise<void>;
}

export interface EventStreamOptions {
  stream: string;
  maxLen: number;
  ledgerTtlS: number;
}

/**
 * Writes one run's events to the Redis Stream (`XADD <stream> MAXLEN ~ n * event <json>`), each in
 * one MULTI with the run's ledger, so `run_seq` continues without gaps or reuse across attempts.
 */
export class RunEventWriter implements EventSink {
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    private readonly redis: Redis,
    private readonly o: EventStreamOptions,
    private readonly ids: { sessionId: string; runId: string },
    private current: RunLedger,
  ) {}

  static async open(
    redis: Redis,
    o: EventStreamOptions,
    ids: { sessionId: string; runId: string },
  ): Promise<RunEventWriter> {
    const ledger = await loadLedger(redis, ledgerKey(o.stream, ids.runId)).catch((err: unknown) => {
      throw new EventStoreError('could not read the run ledger', err);
    });
    return new RunEventWriter(redis, o, ids, ledger);
  }

  get ledger(): RunLedger {
    return this.current;
  }

  /** Appends an event; calls are written strictly in call order, and after a failed write every later one fails too. */
  emit(body: RunEventBody): Promise<void> {
    const write = this.tail.then(() => this.write(body));
    this.tail = write;
    return write;
  }

  /** Counts one more retry of the run and returns how many there have been. */
  async recordRetry(): Promise<number> {
    const next = { ...this.current, retries: this.current.retries + 1 };
    await this.commit(this.redis.multi(), next);
    return next.retries;
  }

  private async write(body: RunEventBody): Promise<void> {
    const event = RunEventSchema.parse({
      v: EVENT_SCHEMA_VERSION,
      session_id: this.ids.sessionId,
      run_id: this.ids.runId,
      run_seq: this.current.nextSeq,
      ...body,
    });
    const multi = this.redis
      .multi()
      .xadd(this.o.stream, 'MAXLEN', '~', this.o.maxLen, '*', 'event', JSON.stringify(event));
    await this.commit(multi, advance(this.current, event));
  }

  private async commit(multi: ReturnType<Redis['multi']>, next: RunLedger): Promise<void> {
    const key = ledgerKey(this.o.stream, this.ids.runId);
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await multi.hset(key, ledgerFields(next)).expire(key, this.o.ledgerTtlS).exec();
    } catch (err) {
      throw new EventStoreError('writing the run event failed', err);
    }
    const failed = results?.find(([err]) => err !== null);
    if (!results || failed) throw new EventStoreError('writing the run event failed', failed?.[0]);
    this.current = next;
  }
}
