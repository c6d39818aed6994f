import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { WEBHOOKS_QUEUE, WEBHOOK_JOB_NAME, WebhookJobSchema, type WebhookJob } from '@platform/contracts';
import { bullConnection } from '@platform/queue-kit';
import { errorFields, type Logger } from '@platform/service-kit';
import { PermanentDeliveryError } from '../services/webhooks/webhook-delivery.service';

export interface WebhookQueueOptions {
  redisUrl: string;
  prefix: string;
  attempts: number;
  backoffMs: number;
}

/** Producer side of the `webhooks` queue: one job per finished run, retried with exponential backoff. */
export class WebhooksQueue {
  private readonly queue: Queue;

  constructor(o: WebhookQueueOptions) {
    this.queue = new Queue(WEBHOOKS_QUEUE, {
      connection: bullConnection(o.redisUrl),
      prefix: o.prefix,
      defaultJobOptions: {
        attempts: o.attempts,
        backoff: { type: 'exponential', delay: o.backoffMs },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  /** The job id is the run id: a run's end is delivered once however often it is handed over. */
  async enqueue(job: WebhookJob): Promise<void> {
    await this.queue.add(WEBHOOK_JOB_NAME, job, { jobId: `run-${job.run_id}` });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

export interface WebhookWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  logger: Logger;
  deliver: (job: WebhookJob, attempt: number) => Promise<unknown>;
}

/** The consumer of `webhooks` on every sessions instance; started and stopped with the service. */
export class WebhookWorker {
  private worker: Worker | undefined;

  constructor(private readonly o: WebhookWorkerOptions) {}

  start(): void {
    this.worker ??= createWorker(this.o);
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }
}

/** Thin: parse, deliver, and let BullMQ retry anything but a permanent failure. */
function createWorker(o: WebhookWorkerOptions): Worker {
  const worker = new Worker(
    WEBHOOKS_QUEUE,
    async (job) => {
      const parsed = WebhookJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid webhook job: ${parsed.error.message}`);
      try {
        return await o.deliver(parsed.data, job.attemptsMade + 1);
      } catch (err) {
        if (err instanceof PermanentDeliveryError) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    { connection: bullConnection(o.redisUrl, { forWorker: true }), prefix: o.prefix, concurrency: o.concurrency },
  );
  worker.on('error', (err) => o.logger.warn('webhook worker error', errorFields(err)));
  return worker;
}
