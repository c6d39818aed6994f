import type { Redis } from 'ioredis';
import { cancelKeys } from '@platform/contracts';

/**
 * Tells runners to stop a run: a flag they check (kept for `ttlMs`, so a runner that picks the job up
 * later still sees it) and a message for the one working on it now.
 */
export class RunnerSignal {
  private readonly keys: ReturnType<typeof cancelKeys>;

  constructor(
    private readonly redis: Redis,
    eventsStream: string,
    private readonly ttlMs: number,
  ) {
    this.keys = cancelKeys(eventsStream);
  }

  async cancel(runId: string): Promise<void> {
    const results = await this.redis.multi().set(this.keys.key(runId), '1', 'PX', this.ttlMs).publish(this.keys.channel, runId).exec();
    const failed = results?.find(([err]) => err !== null);
    if (!results || failed) throw failed?.[0] ?? new Error('cancel signal not written');
  }
}
