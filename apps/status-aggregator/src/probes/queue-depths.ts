import { Queue } from 'bullmq';
import type { QueueDepth } from '@platform/contracts';
import { bullConnection } from '@platform/queue-kit';

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** Job counts of the platform's BullMQ queues (read only: nothing is added or consumed). */
export class QueueDepths {
  private readonly queues: Queue[];

  constructor(o: { redisUrl: string; prefix: string; names: string[] }) {
    this.queues = o.names.map((name) => new Queue(name, { connection: bullConnection(o.redisUrl), prefix: o.prefix }));
  }

  /** Waiting, active, delayed and failed jobs per queue; rejects when Redis does not answer within `timeoutMs`. */
  async read(timeoutMs: number): Promise<QueueDepth[]> {
    return Promise.all(
      this.queues.map(async (q) => {
        const c = await withTimeout(q.getJobCounts('waiting', 'active', 'delayed', 'failed'), timeoutMs);
        return {
          name: q.name,
          waiting: c.waiting ?? 0,
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
        };
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
