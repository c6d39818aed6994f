import { Queue, Worker } from 'bullmq';
import { cleanupRedisPrefix, redisPrefix, testRedisUrl } from '@platform/testing';

export interface BareQueueResult {
  jobs: number;
  concurrency: number;
  jobsPerS: number;
}

/** The baseline of part 2: a no-op BullMQ worker on the same Redis draining `jobs` jobs added in bulk. */
export async function bareBullmq(jobs: number, concurrency: number): Promise<BareQueueResult> {
  const prefix = redisPrefix('bench-bullmq').slice(0, -1);
  const connection = { url: testRedisUrl(), maxRetriesPerRequest: null };
  const queue = new Queue('bench-noop', { connection, prefix });
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker('bench-noop', async () => undefined, { connection, prefix, concurrency, autorun: false });
  worker.on('completed', () => {
    if (++done === jobs) finish();
  });
  try {
    for (let i = 0; i < jobs; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name: 'noop', data: { n: i + k }, opts: { removeOnComplete: true } })));
    }
    const t0 = performance.now();
    void worker.run();
    await finished;
    const seconds = (performance.now() - t0) / 1000;
    return { jobs, concurrency, jobsPerS: jobs / seconds };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await cleanupRedisPrefix(`${prefix}:`);
  }
}
