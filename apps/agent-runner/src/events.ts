import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  EVENT_SCHEMA_VERSION,
  RunEventSchema,
  budgetKeys,
  budgetWindow,
  spendExpiresAt,
  toNanoUsd,
  toStorableText,
  type RunEvent,
} from '@platform/contracts';
import { EventStoreError, SupersededError } from './errors';
import { advance, ledgerFields, parseLedger, runKeys, type RunKeys, type RunLedger } from './run-ledger';
import { RunJournal, stepOf } from './run-journal';
import { appendRunStep, isSuperseded, type RunStep, type StepBudget } from './append-script';

type Envelope = 'v' | 'session_id' | 'run_id' | 'run_seq';
/** An event as the loop produces it; the writer adds ids, version and sequence number. */
export type RunEventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, Envelope> : never) : never;

/** Where the agent loop sends its events. */
export interface EventSink {
  emit(event: RunEventBody): Promise<void>;
}

/** Whose run the writer writes: the person is charged for its turns (no `userId`: nobody is). */
export interface RunIds {
  sessionId: string;
  runId: string;
  userId?: string;
}

export interface EventStreamOptions {
  stream: string;
  maxLen: number;
  ledgerTtlS: number;
}

/**
 * Writes one run's events to the Redis Stream (`XADD <stream> MAXLEN ~ n * event <json>`), each in
 * one script with the run's ledger and journal, so `run_seq` continues without gaps or reuse across
 * attempts and a later attempt knows exactly which steps went out. Opening it makes this attempt the
 * run's owner: writes of an earlier attempt still going somewhere fail from then on.
 */
export class RunEventWriter implements EventSink {
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    private readonly redis: Redis,
    private readonly o: EventStreamOptions,
    private readonly ids: RunIds,
    private readonly keys: RunKeys,
    private readonly owner: string,
    private current: RunLedger,
    readonly journal: RunJournal,
    /** Once aborted (a cancel), nothing more is written. */
    private readonly halt: AbortSignal | undefined,
  ) {}

  static async open(redis: Redis, o: EventStreamOptions, ids: RunIds, halt?: AbortSignal): Promise<RunEventWriter> {
    const keys = runKeys(o.stream, ids.runId);
    const owner = randomUUID();
    try {
      const [ledger, steps, text] = await Promise.all([
        redis.hgetall(keys.ledger),
        redis.hgetall(keys.steps),
        redis.get(keys.text),
      ]);
      const current = parseLedger(ledger);
      if (!current.terminal) {
        const claimed = await redis.multi().hset(keys.ledger, 'owner', owner).expire(keys.ledger, o.ledgerTtlS).exec();
        const failed = claimed?.find(([err]) => err !== null);
        if (!claimed || failed) throw failed?.[0] ?? new Error('claiming the run was aborted');
      }
      const journal = new RunJournal(current.started, steps, text ?? '');
      return new RunEventWriter(redis, o, ids, keys, owner, current, journal, halt);
    } catch (err) {
      throw new EventStoreError('could not read the run ledger', err);
    }
  }

  get ledger(): RunLedger {
    return this.current;
  }

  /** This attempt's id: the run's owner while it writes. */
  get attempt(): string {
    return this.owner;
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
    await this.commit({ ledger: ledgerFields(next) }, next);
    return next.retries;
  }

  private async write(body: RunEventBody): Promise<void> {
    if (this.halt?.aborted) throw this.halt.reason;
    const event = RunEventSchema.parse({
      v: EVENT_SCHEMA_VERSION,
      session_id: this.ids.sessionId,
      run_id: this.ids.runId,
      run_seq: this.current.nextSeq,
      // Model text and tool output may hold NUL or broken surrogates (a binary file read as text), which
      // PostgreSQL cannot store: sessions would have to drop the event. Replaced here, once, for every reader.
      ...toStorableText(body),
    });
    const next = advance(this.current, event);
    const step = stepOf(event, this.current.turns);
    const budget = this.budgetStep(event);
    await this.commit(
      {
        event: JSON.stringify(event),
        ...(step ? { step } : {}),
        ...textChange(event),
        ...(budget ? { budget } : {}),
        finished: next.terminal,
        ledger: ledgerFields(next),
      },
      next,
    );
  }

  /** A finished assistant turn is charged to the person (day and month of when it ended) and frees its hold; the run's end frees any hold. */
  private budgetStep(event: RunEvent): StepBudget | undefined {
    if (!this.ids.userId) return undefined;
    const keys = budgetKeys(this.o.stream, this.ids.userId);
    const base = { holds: keys.holds, runId: this.ids.runId, releaseHold: true };
    if (event.type === 'message_complete' && event.data.role === 'assistant' && event.data.usage) {
      const at = event.data.ended_at ? new Date(event.data.ended_at) : new Date();
      const [day, month] = [budgetWindow('day', at), budgetWindow('month', at)];
      const { input_tokens: input, output_tokens: output } = event.data.usage;
      return {
        ...base,
        charge: {
          tokens: input + output,
          nano: toNanoUsd(event.data.cost_usd ?? 0),
          day: { key: keys.spend(day), expireAt: spendExpiresAt(day) },
          month: { key: keys.spend(month), expireAt: spendExpiresAt(month) },
        },
      };
    }
    if (event.type === 'run_completed' || event.type === 'run_failed') return base;
    return undefined;
  }

  private async commit(change: Omit<RunStep, 'owner' | 'ttlS' | 'maxLen'>, next: RunLedger): Promise<void> {
    try {
      await appendRunStep(this.redis, this.keys, {
        ...change,
        owner: this.owner,
        ttlS: this.o.ledgerTtlS,
        maxLen: this.o.maxLen,
      });
    } catch (err) {
      if (isSuperseded(err)) throw new SupersededError();
      throw new EventStoreError('writing the run event failed', err);
    }
    this.current = next;
  }
}

/** Streamed text is remembered until its turn's message_complete, so a resumed attempt can skip what was sent. */
function textChange(event: RunEvent): Pick<RunStep, 'text'> {
  if (event.type === 'text_delta') return { text: { op: 'append', text: event.data.text } };
  if (event.type === 'message_complete' && event.data.role === 'assistant') return { text: { op: 'clear' } };
  return {};
}
