import type { Redis } from 'ioredis';
import { cancelKeys } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import { RunCancelled } from './errors';

/** One run's cancellation: its signal, a check of the cancel key, and the end of watching. */
export interface RunCancel {
  /** Aborted with RunCancelled when sessions cancels the run. */
  readonly signal: AbortSignal;
  /** Looks at the run's cancel key; when set, aborts the signal and throws RunCancelled. */
  check(): Promise<void>;
  dispose(): void;
}

/**
 * Listens, on one subscriber connection for the whole process, for the run ids sessions publishes
 * on `<EVENTS_STREAM>:cancel`, and aborts those of the runs in flight here. A message missed (the
 * subscriber reconnecting) is caught by `check()`, which reads the run's cancel key: at the start
 * of every attempt and before every tool call.
 */
export class CancelWatcher {
  private subscriber: Redis | undefined;
  private readonly running = new Map<string, AbortController>();
  private readonly keys: ReturnType<typeof cancelKeys>;

  constructor(
    private readonly redis: Redis,
    eventsStream: string,
    private readonly logger: Logger,
  ) {
    this.keys = cancelKeys(eventsStream);
  }

  async start(): Promise<void> {
    if (this.subscriber) return;
    const sub = this.redis.duplicate();
    this.subscriber = sub;
    sub.on('error', (err: unknown) => this.logger.warn('cancel subscriber error', errorFields(err)));
    sub.on('message', (_channel: string, runId: string) => this.running.get(runId)?.abort(new RunCancelled()));
    await sub.subscribe(this.keys.channel);
  }

  isListening(): boolean {
    return this.subscriber?.status === 'ready';
  }

  /** Whether sessions has cancelled the run (its cancel key is set). */
  async isCancelled(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.key(runId))) === 1;
  }

  watch(runId: string): RunCancel {
    const controller = new AbortController();
    this.running.set(runId, controller);
    return {
      signal: controller.signal,
      check: async () => {
        if (!controller.signal.aborted && (await this.isCancelled(runId))) controller.abort(new RunCancelled());
        if (controller.signal.aborted) throw controller.signal.reason;
      },
      dispose: () => {
        if (this.running.get(runId) === controller) this.running.delete(runId);
      },
    };
  }

  async close(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (!sub) return;
    await sub.quit().catch(() => sub.disconnect());
  }
}
