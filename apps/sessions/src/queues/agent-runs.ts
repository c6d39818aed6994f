import { Queue, QueueEvents } from 'bullmq';
import { randomUUID } from 'node:crypto';
import {
  AGENT_JOB_NAMES,
  AGENT_RUNS_QUEUE,
  ForkWorkspaceResultSchema,
  RUN_TESTS_JOB_NAME,
  RunTestsResultSchema,
  type AgentRunJob,
  type DeleteWorkspaceJob,
  type ForkWorkspaceJob,
  type ForkWorkspaceResult,
  type RunTestsJob,
  type RunTestsResult,
} from '@platform/contracts';
import { bullConnection, defaultJobOptions } from '@platform/queue-kit';

/**
 * Attempts of a delete-workspace job (exponential backoff from JOB_BACKOFF_MS: about 17 minutes in
 * all with the default 1 s). A job waits for as long as no runner is up; attempts count only failures.
 */
export const DELETE_WORKSPACE_ATTEMPTS = 10;

/** Producer side of the `agent-runs` queue. */
export class AgentRunsQueue {
  private readonly queue: Queue;
  private events: QueueEvents | undefined;

  constructor(
    private readonly o: { redisUrl: string; prefix: string; attempts: number; backoffMs: number },
  ) {
    this.queue = new Queue(AGENT_RUNS_QUEUE, {
      connection: bullConnection(o.redisUrl),
      prefix: o.prefix,
      defaultJobOptions: defaultJobOptions(o.attempts, o.backoffMs),
    });
  }

  /** Enqueues a run; the job id is the run id, so enqueueing twice is harmless. */
  async enqueueRun(job: AgentRunJob): Promise<void> {
    await this.queue.add(AGENT_JOB_NAMES.run, job, { jobId: job.run_id });
  }

  async hasJob(runId: string): Promise<boolean> {
    return (await this.queue.getJob(runId)) !== undefined;
  }

  /** Where a run's job stands in BullMQ (`missing` when there is none). */
  async jobState(runId: string): Promise<string> {
    const job = await this.queue.getJob(runId);
    return job ? await job.getState() : 'missing';
  }

  /** Wakes a run parked in the delayed set (waiting for a permission answer); nothing if it is not delayed. */
  async promote(runId: string): Promise<void> {
    const job = await this.queue.getJob(runId);
    await job?.promote().catch(() => undefined);
  }

  /** Removes a run's job if it has not started yet. */
  async removeWaiting(runId: string): Promise<void> {
    const job = await this.queue.getJob(runId);
    if (job && (await job.isWaiting() || await job.isDelayed())) await job.remove().catch(() => undefined);
  }

  private async queueEvents(): Promise<QueueEvents> {
    this.events ??= new QueueEvents(AGENT_RUNS_QUEUE, { connection: bullConnection(this.o.redisUrl, { forWorker: true }), prefix: this.o.prefix });
    await this.events.waitUntilReady();
    return this.events;
  }

  /**
   * Asks a runner to run a test command (it holds the working directory) and waits up to `waitMs` for
   * the result; undefined when none came, and then the job is withdrawn if no runner has taken it yet.
   * Never retried: a test run is not something to repeat behind the caller's back.
   */
  async runTests(job: RunTestsJob, waitMs: number): Promise<RunTestsResult | undefined> {
    const events = await this.queueEvents();
    const added = await this.queue.add(RUN_TESTS_JOB_NAME, job, { jobId: `tests-${randomUUID()}`, attempts: 1 });
    try {
      return RunTestsResultSchema.parse(await added.waitUntilFinished(events, waitMs));
    } catch (err) {
      if (await added.isWaiting().catch(() => false)) await added.remove().catch(() => undefined);
      if (err instanceof Error && /timed out before finishing/.test(err.message)) return undefined;
      throw err;
    }
  }

  /**
   * Asks the runner to copy a working directory; answers what it did if it finished within `waitMs`
   * (undefined otherwise; the copy still happens).
   */
  async forkWorkspace(job: ForkWorkspaceJob, waitMs: number): Promise<ForkWorkspaceResult | undefined> {
    const events = await this.queueEvents();
    const added = await this.queue.add(AGENT_JOB_NAMES.forkWorkspace, job, { jobId: `fork-${job.to_session_id}` });
    try {
      const parsed = ForkWorkspaceResultSchema.safeParse(await added.waitUntilFinished(events, waitMs));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Asks the runner to delete a session's working directory. Durable: the job waits in Redis until a
   * runner takes it and is retried when the removal fails; the job id makes enqueueing twice harmless.
   */
  async deleteWorkspace(job: DeleteWorkspaceJob): Promise<void> {
    await this.queue.add(AGENT_JOB_NAMES.deleteWorkspace, job, {
      jobId: `delete-${job.session_id}`,
      attempts: DELETE_WORKSPACE_ATTEMPTS,
    });
  }

  /** Waiting/active/delayed/failed counts; also the readiness probe of the queue's Redis. */
  counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
  }

  async close(): Promise<void> {
    await this.events?.close();
    await this.queue.close();
  }
}
