import type { RevocationEvent } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import type { Db } from '../db';
import type { TokenRevocation } from '../generated/prisma/client';
import type { RevocationsRepository } from '../repositories/revocations.repository';

/** Puts one revocation into the platform's shared state (Redis) and announces it. */
export type PublishRevocation = (event: RevocationEvent) => Promise<void>;

const BATCH = 100;

/**
 * Publishes the revocations recorded in the outbox: right after the change that caused them commits
 * (`flush`, awaited before the change is answered, so the revocation reaches every instance within
 * milliseconds), and every `sweepMs` for any a failed publish (Redis away, a crash) left behind. Safe to
 * run on several auth instances at once (rows are claimed with SKIP LOCKED; publishing twice is harmless).
 */
export class RevocationOutbox {
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;

  constructor(
    private readonly d: {
      db: Db;
      repository: RevocationsRepository;
      publish: PublishRevocation | undefined;
      logger: Logger;
      /** Published rows older than this are deleted. */
      keepMs: number;
    },
  ) {}

  /** Publishes every unpublished revocation; never throws (the sweep retries), returns how many went out. */
  async flush(): Promise<number> {
    const publish = this.d.publish;
    if (!publish) return 0;
    let total = 0;
    try {
      for (;;) {
        const sent = await this.d.db.$transaction(async (tx) => {
          const rows = await this.d.repository.claimUnpublished(BATCH, tx);
          for (const row of rows) await publish(toEvent(row));
          if (rows.length > 0) await this.d.repository.markPublished(rows.map((r) => r.id), tx);
          return rows.length;
        });
        total += sent;
        if (sent < BATCH) break;
      }
    } catch (err) {
      this.d.logger.warn('publishing token revocations failed; the sweep retries', errorFields(err));
    }
    return total;
  }

  startSweep(everyMs: number): void {
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  stopSweep(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    const sent = await this.flush();
    if (sent > 0) this.d.logger.info('published token revocations left behind', { count: sent });
    if (Date.now() - this.lastPrune > 60_000) {
      this.lastPrune = Date.now();
      await this.d.repository.prune(new Date(Date.now() - this.d.keepMs)).catch((err: unknown) => this.d.logger.warn('pruning token revocations failed', errorFields(err)));
    }
  }
}

function toEvent(row: TokenRevocation): RevocationEvent {
  const at = Date.now();
  if (row.kind === 'session' && row.sessionId) return { v: 1, kind: 'session', session_id: row.sessionId, user_id: row.userId, at };
  return { v: 1, kind: 'user', user_id: row.userId, min_version: row.minVersion, at };
}
