import { DelayedError, UnrecoverableError, WaitingError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  AGENT_JOB_NAMES,
  AGENT_RUNS_QUEUE,
  AgentRunJobSchema,
  DeleteWorkspaceJobSchema,
  ForkWorkspaceJobSchema,
  RUN_TESTS_JOB_NAME,
  RunTestsJobSchema,
  type AgentRunJob,
  type DeleteWorkspaceJob,
  type DeleteWorkspaceResult,
  type ForkWorkspaceJob,
  type ForkWorkspaceResult,
  type RunTestsJob,
  type RunTestsResult,
} from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import type { z } from 'zod';
import { HandBack, ParkRun, RetryLater } from './errors';
import type { RunResult } from './run-service';

export interface RunWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  queueName?: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal: after a crash, the time before its run can be taken over. */
  lockDurationMs: number;
  /** How often this worker looks for jobs whose lock expired (a crashed runner's) and re-queues them. */
  stalledIntervalMs: number;
  /** How often a run may be re-queued that way before BullMQ fails it (then `abandonJob` ends the run). */
  maxStalledCount: number;
  logger: Logger;
  runJob: (job: AgentRunJob, signal: AbortSignal) => Promise<RunResult>;
  forkJob: (job: ForkWorkspaceJob) => Promise<ForkWorkspaceResult>;
  /** Removes a deleted session's working directory; a failure is retried with the job's backoff. */
  deleteJob: (job: DeleteWorkspaceJob) => Promise<DeleteWorkspaceResult>;
  /** Runs an allowed test command in a session's working directory (`/tdd/validate`); its result is the job's return value. */
  testJob: (job: RunTestsJob) => Promise<RunTestsResult>;
  /** Ends the run of a job BullMQ failed without running it (stalled too often). */
  abandonJob: (job: AgentRunJob, reason: string) => Promise<void>;
  /** How long handed-back runs get to re-queue themselves once shutdown gave up waiting for them. */
  handBackGraceMs?: number;
}

/** How shutdown went: every run finished, the unfinished ones were re-queued, or some were left to stalled recovery. */
export type CloseResult = 'finished' | 'handed_back' | 'abandoned';

/** The BullMQ consumer of `agent-runs`: a thin processor (parse, call the service, map the outcome) and graceful close. */
export class RunWorker {
  private worker: Worker | undefined;
  private readonly shutdown = new AbortController();
  private closing = false;

  constructor(private readonly o: RunWorkerOptions) {}

  /** Starts consuming (BullMQ connects and reconnects on its own; see `ready`). */
  start(): void {
    if (this.worker) return;
    const worker = new Worker(
      this.o.queueName ?? AGENT_RUNS_QUEUE,
      (job, token, signal) => this.process(job, token, signal),
      {
        connection: this.o.connection,
        prefix: this.o.prefix,
        concurrency: this.o.concurrency,
        lockDuration: this.o.lockDurationMs,
        stalledInterval: this.o.stalledIntervalMs,
        maxStalledCount: this.o.maxStalledCount,
      },
    );
    worker.on('error', (err) => this.o.logger.warn('queue worker error', errorFields(err)));
    worker.on('stalled', (jobId) =>
      this.o.logger.warn('job stalled (its runner stopped); re-queued', { job_id: jobId }),
    );
    worker.on('failed', (job, err) => {
      // A failed run was logged by the run service and reported by its run_failed event already.
      const level = err instanceof RunFailed ? 'debug' : 'warn';
      this.o.logger.log(level, 'job failed', { job_id: job?.id, job_name: job?.name, err_message: err.message });
      if (job?.name === AGENT_JOB_NAMES.run && err.message === STALLED_TOO_OFTEN) void this.abandon(job, err.message);
    });
    this.worker = worker;
  }

  /** Resolves once the worker's connections are up. */
  async ready(): Promise<void> {
    await this.worker?.waitUntilReady();
  }

  isRunning(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for the runs in flight. Runs still going then are
   * aborted and put back in the queue as they were (no attempt used), for another worker to
   * continue; if even that does not happen in time they stay active and BullMQ's stalled-job
   * check hands them to another worker once their lock expires.
   */
  async close(timeoutMs: number): Promise<CloseResult> {
    const worker = this.worker;
    if (!worker) return 'finished';
    this.closing = true;
    const closing = worker.close();
    if (await settlesWithin(closing, timeoutMs)) return 'finished';
    this.shutdown.abort(new HandBack());
    if (await settlesWithin(closing, this.o.handBackGraceMs ?? 5000)) return 'handed_back';
    this.o.logger.warn('runs did not hand back in time; stalled-job recovery will re-queue them');
    return 'abandoned';
  }

  private async abandon(job: Job, reason: string): Promise<void> {
    const payload = AgentRunJobSchema.safeParse(job.data);
    if (!payload.success) return;
    await this.o
      .abandonJob(payload.data, reason)
      .catch((err: unknown) =>
        this.o.logger.error('could not end an abandoned run', { job_id: job.id, ...errorFields(err) }),
      );
  }

  private async process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    switch (job.name) {
      case AGENT_JOB_NAMES.run:
        return this.processRun(job, token, signal);
      case AGENT_JOB_NAMES.forkWorkspace:
        return this.o.forkJob(parse(ForkWorkspaceJobSchema, job));
      case AGENT_JOB_NAMES.deleteWorkspace:
        return this.o.deleteJob(parse(DeleteWorkspaceJobSchema, job));
      case RUN_TESTS_JOB_NAME:
        return this.o.testJob(parse(RunTestsJobSchema, job));
      default:
        throw new UnrecoverableError(`unknown job name "${job.name}"`);
    }
  }

  private async processRun(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    const payload = parse(AgentRunJobSchema, job);
    // BullMQ may still hand over a job that arrived while its blocking fetch was in flight as close began.
    if (this.closing) return handBack(job, token);
    const runSignal = signal ? AbortSignal.any([signal, this.shutdown.signal]) : this.shutdown.signal;
    try {
      const result = await this.o.runJob(payload, runSignal);
      // The run_failed event is out; failing the job too keeps BullMQ's counts honest, with no retry.
      if (result.status === 'failed') throw new RunFailed(result.error);
      return result;
    } catch (err) {
      if (err instanceof RetryLater) {
        await job.moveToDelayed(Date.now() + err.delayMs, token);
        throw new DelayedError();
      }
      // Waiting for a person: the job sleeps (no attempt used, no worker slot held) until sessions promotes it or the poll.
      if (err instanceof ParkRun) {
        await job.moveToDelayed(err.until, token);
        throw new DelayedError();
      }
      if (err instanceof HandBack) return handBack(job, token);
      throw err;
    }
  }
}

/** BullMQ's reason for failing a job that stalled more than `maxStalledCount` times. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** Puts an active job back in the queue as it was (no attempt used) and tells BullMQ so. */
async function handBack(job: Job, token: string | undefined): Promise<never> {
  await job.moveToWait(token);
  throw new WaitingError();
}

/** The job of a run that ended with run_failed: failed in BullMQ too, never retried. */
class RunFailed extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailed';
  }
}

/** A payload that does not match its schema never will: fail it without retries. */
function parse<S extends z.ZodType>(schema: S, job: Job): z.infer<S> {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    throw new UnrecoverableError(`invalid ${job.name} payload: ${issues}`);
  }
  return parsed.data;
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
