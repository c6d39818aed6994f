import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RunEventSchema, TERMINAL_EVENT_TYPES, type RunEvent } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import type { SessionEvent as SessionEventRow } from '../generated/prisma/client';
import type { ApplyResult, EventLogRepository } from '../repositories/event-log.repository';
import { toEventDto } from '../repositories/mappers';
import { sqlState } from '../repositories/sql';
import type { EventHub } from './event-hub';
import { SerialQueue } from './serial-queue';

const GROUP = 'sessions';
const BATCH = 200;
// Events applied per transaction: long enough to amortise BEGIN/COMMIT, short enough that a run's row lock
// (which cancel, the watchdog and permission answers also take) is held for milliseconds, not seconds.
const APPLY_BATCH = 50;
/** End-of-run follow-ups waiting at most; beyond, the sweeps do them (see `followUp`). */
const MAX_FOLLOW_UPS = 1000;
// One consumer name for every instance: only the lock holder reads, and a new holder first
// re-reads whatever the previous one was given but never acknowledged.
const CONSUMER = 'sessions-leader';
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface EventConsumerOptions {
  redis: Redis;
  stream: string;
  lockKey: string;
  log: EventLogRepository;
  hub: EventHub;
  logger: Logger;
  lockTtlMs?: number;
  /**
   * Runs on the leader after a batch, at most every `tickMs` (e.g. the outbox sweep). `caughtUp`: the
   * last read found no backlog, so what the database says about runs is as current as the stream.
   */
  onLeaderTick?: (state: { caughtUp: boolean }) => Promise<void>;
  tickMs?: number;
  /** Called once a run's terminal event is persisted and published (release held runs, webhooks…). */
  onRunEnded?: (runId: string) => Promise<void>;
}

/**
 * Reads runner events from the Redis Stream in order, persists each idempotently, then publishes it.
 * Exactly one instance consumes at a time (a renewed Redis lock), so a session's events are applied in
 * the order they were emitted; a crash leaves entries pending, and they are re-read before new ones.
 */
export class EventConsumer {
  private readonly id = randomUUID();
  private running = false;
  private leader = false;
  private loop: Promise<void> | undefined;
  private lastTick = 0;
  private caughtUp = false;
  /** The end-of-run follow-ups still to do, in order (see `followUp`). */
  private readonly followUps = new SerialQueue(MAX_FOLLOW_UPS);

  constructor(private readonly o: EventConsumerOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.running = true;
    this.loop = this.run();
  }

  /** Creates the consumer group (and the stream) unless it exists; from '0', as events apply idempotently. */
  private async ensureGroup(): Promise<void> {
    await this.o.redis.xgroup('CREATE', this.o.stream, GROUP, '0', 'MKSTREAM').catch((err: unknown) => {
      if (!String(err).includes('BUSYGROUP')) throw err;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.followUps.drain();
    if (this.leader) await this.o.redis.eval(RELEASE, 1, this.o.lockKey, this.id).catch(() => undefined);
    this.leader = false;
  }

  private async run(): Promise<void> {
    let pendingFirst = true;
    while (this.running) {
      try {
        if (!(await this.holdLock())) {
          pendingFirst = true;
          await sleep(500);
          continue;
        }
        const handled = await this.readBatch(pendingFirst ? '0' : '>');
        this.caughtUp = !pendingFirst && handled < BATCH;
        if (pendingFirst && handled === 0) pendingFirst = false;
        await this.tick();
      } catch (err) {
        this.o.logger.warn('event consumer error; retrying', errorFields(err));
        // Redis came back without the stream or the group (restarted without persistence, flushed):
        // create them again, or every read fails with NOGROUP forever and no run ever ends.
        if (String(err).includes('NOGROUP')) await this.ensureGroup().catch(() => undefined);
        // The failed entry and the rest of its batch are pending: re-read them, in order, before new ones.
        pendingFirst = true;
        this.caughtUp = false;
        await sleep(500);
      }
    }
  }

  private async holdLock(): Promise<boolean> {
    const ttl = String(this.o.lockTtlMs ?? 5000);
    if (this.leader) {
      this.leader = (await this.o.redis.eval(RENEW, 1, this.o.lockKey, this.id, ttl)) === 1;
    } else {
      this.leader = (await this.o.redis.set(this.o.lockKey, this.id, 'PX', Number(ttl), 'NX')) === 'OK';
      if (this.leader) this.o.logger.info('event consumer is now the leader');
    }
    return this.leader;
  }

  /** Handles one batch; returns how many entries it saw. */
  private async readBatch(from: '0' | '>'): Promise<number> {
    const block = from === '>' ? ['BLOCK', '1000'] : [];
    const res = (await this.o.redis.xreadgroup(
      'GROUP', GROUP, CONSUMER, 'COUNT', String(BATCH), ...(block as []), 'STREAMS', this.o.stream, from,
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = res?.[0]?.[1] ?? [];
    const good: Entry[] = [];
    const malformed: string[] = [];
    for (const [id, fields] of entries) {
      const event = parseEntry(fields);
      if (event) good.push({ id, event });
      else malformed.push(id);
    }
    if (malformed.length > 0) {
      // A malformed entry can never succeed: drop it rather than block the stream.
      for (const id of malformed) this.o.logger.error('dropping malformed run event', { entry_id: id });
      await this.o.redis.xack(this.o.stream, GROUP, ...malformed);
    }
    for (let i = 0; i < good.length; i += APPLY_BATCH) await this.applyChunk(good.slice(i, i + APPLY_BATCH));
    return entries.length;
  }

  /** Applies entries in one transaction; if that fails, one by one, so one bad event cannot hold back the others. */
  private async applyChunk(chunk: Entry[]): Promise<void> {
    let results: ApplyResult[];
    try {
      results = await this.o.log.applyMany(chunk.map((c) => c.event));
    } catch (err) {
      this.o.logger.warn('batched apply failed; applying one by one', { entries: chunk.length, ...errorFields(err) });
      for (const c of chunk) await this.applyOne(c);
      return;
    }
    await this.settle(chunk, results);
  }

  private async applyOne(c: Entry): Promise<void> {
    let result: ApplyResult;
    try {
      result = await this.o.log.apply(c.event);
    } catch (err) {
      // Anything else (an outage, a timeout) is retried: the entry stays pending and is re-read first.
      if (!refusedByDatabase(err)) throw err;
      this.o.logger.error('dropping run event that cannot be applied', { entry_id: c.id, ...errorFields(err) });
      await this.o.redis.xack(this.o.stream, GROUP, c.id);
      return;
    }
    await this.settle([c], [result]);
  }

  /** After commit: acknowledge the entries, publish what was applied (in order), then run the end-of-run follow-ups. */
  private async settle(chunk: Entry[], results: ApplyResult[]): Promise<void> {
    const applied: SessionEventRow[] = [];
    const ended: string[] = [];
    results.forEach((result, i) => {
      const c = chunk[i];
      if (!c) return;
      if (result.kind === 'unknown_run') {
        this.o.logger.error('dropping run event that cannot be applied', { entry_id: c.id, run_id: c.event.run_id, reason: 'unknown run' });
      }
      if (result.kind !== 'applied') return;
      applied.push(result.row);
      // Ingestion says when an end needs no follow-up (no held run, no webhook): most ends, skipped.
      if (TERMINAL_EVENT_TYPES.includes(result.row.type) && result.followUp !== false) ended.push(result.row.runId);
    });
    await this.o.redis.xack(this.o.stream, GROUP, ...chunk.map((c) => c.id));
    const dtos = applied.map(toEventDto);
    await this.o.hub.publishMany(dtos);
    for (const runId of ended) this.followUp(runId);
  }

  /**
   * Queues a run's end-of-run follow-ups, done off the read loop (a few round trips the next events need not
   * wait for), one at a time in the order the runs ended; `stop` waits for them. Best effort: the leader's
   * sweeps redo whatever a failure or a crash leaves undone, so beyond MAX_FOLLOW_UPS waiting (follow-ups
   * slower than runs end, e.g. the database struggling) more are left to the sweeps rather than held in memory.
   */
  private followUp(runId: string): void {
    const onRunEnded = this.o.onRunEnded;
    if (!onRunEnded) return;
    const queued = this.followUps.push(async () => {
      await onRunEnded(runId).catch((err: unknown) => this.o.logger.warn('run-ended follow-up failed', { run_id: runId, ...errorFields(err) }));
    });
    if (!queued) this.o.logger.warn('too many run-ended follow-ups waiting; leaving this one to the sweeps', { run_id: runId, waiting: this.followUps.size });
  }

  private async tick(): Promise<void> {
    if (!this.o.onLeaderTick || Date.now() - this.lastTick < (this.o.tickMs ?? 5000)) return;
    this.lastTick = Date.now();
    await this.o.onLeaderTick({ caughtUp: this.caughtUp });
  }
}

/**
 * The database refused this event itself (SQLSTATE class 22, data exception: a value out of range or not
 * a uuid; class 23, integrity: a run or session that does not exist): applying it again can never succeed,
 * so, like a malformed entry, it is dropped rather than block the stream. Anything else (an outage, a
 * timeout, a lock) may succeed later and is retried.
 */
function refusedByDatabase(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

interface Entry {
  id: string;
  event: RunEvent;
}

function parseEntry(fields: string[]): RunEvent | undefined {
  try {
    const parsed = RunEventSchema.safeParse(JSON.parse(fields[fields.indexOf('event') + 1] ?? 'null'));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
