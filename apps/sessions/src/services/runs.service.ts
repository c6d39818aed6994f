import {
  SessionOptionsSchema,
  TERMINAL_EVENT_TYPES,
  TERMINAL_RUN_STATUSES,
  type Message as MessageDto,
  type QueryAcceptedResponse,
  type Run as RunDto,
  type RunStatus,
} from '@platform/contracts';
import { decodeCursor, pageFrom } from '@platform/db-kit';
import { AppError, NotFoundError, ValidationError, errorFields, type Logger } from '@platform/service-kit';
import type { RunsRepository } from '../repositories/runs.repository';
import { toMessageDto, toRunDto, toToolCallDto } from '../repositories/mappers';
import type { AgentRunsQueue } from '../queues/agent-runs';
import type { EventHub } from './event-hub';
import type { SessionsService } from './sessions.service';
import type { Caller } from './caller';

const isTerminal = (s: string) => TERMINAL_RUN_STATUSES.includes(s as RunStatus);
const archived = () => new AppError('CONFLICT', 'Session is archived; reactivate it to query');

export interface RunsServiceDeps {
  sessions: SessionsService;
  runs: RunsRepository;
  queue: AgentRunsQueue;
  hub: EventHub;
  logger: Logger;
  /** Most runs a session may hold behind its active one. */
  maxHeldRuns: number;
  /** Refuses a query of this person's session once their budget is spent (402 BUDGET_EXCEEDED). */
  assertBudget: (ownerId: string) => Promise<void>;
}

/** Queries (run row + user message first, then the job), run state, messages and tool calls. */
export class RunsService {
  constructor(private readonly d: RunsServiceDeps) {}

  /**
   * Accepts a query: one run at a time per session, so with a run still active it is refused (409
   * RUN_IN_PROGRESS) or, with multitask `enqueue`, held (up to `maxHeldRuns`, 429 beyond) and started once
   * the active run ends. Refused with 402 BUDGET_EXCEEDED while the session owner's budget is spent: the
   * run would be charged to them.
   */
  async query(caller: Caller, sessionId: string, message: string, multitask: 'reject' | 'enqueue' = 'reject'): Promise<QueryAcceptedResponse> {
    const session = await this.d.sessions.visible(caller, sessionId);
    if (session.status !== 'active') throw archived();
    await this.d.assertBudget(session.ownerId);
    const options = SessionOptionsSchema.parse(session.options);
    const run = await this.d.runs.createQueued(
      {
        sessionId,
        provider: options.provider ?? 'auto',
        model: options.model ?? 'auto',
        content: [{ type: 'text', text: message }],
        enqueue: multitask === 'enqueue',
        maxHeld: this.d.maxHeldRuns,
        audit: { actor: `user:${caller.userId}`, details: { multitask, message_length: message.length } },
      },
      {
        busy: (active) =>
          new AppError('RUN_IN_PROGRESS', 'A run of this session is still active: wait for it, cancel it, or send "multitask": "enqueue"', {
            details: { run_id: active.id, status: active.status },
          }),
        full: (active, held) =>
          new AppError(
            'QUOTA_EXCEEDED',
            `This session already holds ${held} queued runs behind its active one (at most ${this.d.maxHeldRuns}): ` +
              `wait for them to start, or cancel one with POST /api/v1/sessions/${sessionId}/runs/{run_id}/cancel`,
            { details: { limit: this.d.maxHeldRuns, held, run_id: active.id, status: active.status } },
          ),
        gone: (status) => (status === undefined ? new NotFoundError('Session') : archived()),
      },
    );
    // A held run is enqueued when it is released (the run before it ended).
    if (run.held) return { run_id: run.id, status: 'queued' };
    try {
      await this.d.queue.enqueueRun({ v: 1, run_id: run.id, session_id: sessionId, user_id: session.ownerId, options });
    } catch (err) {
      // The run row is durable: the outbox sweep enqueues it once the queue is reachable again.
      this.d.logger.warn('enqueue failed; run will be re-enqueued', { run_id: run.id, ...errorFields(err) });
    }
    return { run_id: run.id, status: 'queued' };
  }

  /** Waits up to `maxMs` for the run to end; the finished run, or undefined if it is still going. */
  async waitForEnd(sessionId: string, runId: string, maxMs: number): Promise<RunDto | undefined> {
    let endedNow: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (endedNow = resolve));
    let unsubscribe: () => void;
    try {
      // Subscribe first (and wait until Redis confirms), then look: an end that happened in between is seen by the read.
      unsubscribe = await this.d.hub.subscribe(sessionId, (e) => {
        if (e.run_id === runId && TERMINAL_EVENT_TYPES.includes(e.type)) endedNow();
      });
    } catch (err) {
      // Waiting is best effort: the query is accepted either way, and the caller answers 202.
      this.d.logger.warn('cannot wait for the run to end', { run_id: runId, ...errorFields(err) });
      return undefined;
    }
    try {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, maxMs).unref());
      const poll = (async () => {
        const current = await this.d.runs.findRun(sessionId, runId);
        if (current && isTerminal(current.status)) return;
        await ended;
      })();
      await Promise.race([poll, timeout]);
      const run = await this.d.runs.findRun(sessionId, runId);
      return run && isTerminal(run.status) ? toRunDto(run) : undefined;
    } finally {
      unsubscribe();
    }
  }

  async listRuns(caller: Caller, sessionId: string, cursor: string | undefined, limit: number) {
    await this.d.sessions.visible(caller, sessionId);
    return pageFrom(await this.d.runs.listRuns(sessionId, cursor ? decodeCursor(cursor) : undefined, limit), limit, toRunDto);
  }

  async getRun(caller: Caller, sessionId: string, runId: string): Promise<RunDto> {
    await this.d.sessions.visible(caller, sessionId);
    const run = await this.d.runs.findRun(sessionId, runId);
    if (!run) throw new NotFoundError('Run');
    return toRunDto(run);
  }

  async listMessages(caller: Caller, sessionId: string, cursor: string | undefined, limit: number): Promise<{ items: MessageDto[]; next_cursor: string | null }> {
    await this.d.sessions.visible(caller, sessionId);
    const after = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(after) || after < 0) throw new ValidationError([{ path: 'query.cursor', message: 'is not a valid cursor', code: 'custom' }]);
    const rows = await this.d.runs.listMessages(sessionId, after, limit);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toMessageDto), next_cursor: rows.length > limit && last ? String(last.seq) : null };
  }

  async listToolCalls(caller: Caller, sessionId: string, cursor: string | undefined, limit: number) {
    await this.d.sessions.visible(caller, sessionId);
    return pageFrom(await this.d.runs.listToolCalls(sessionId, cursor ? decodeCursor(cursor) : undefined, limit), limit, toToolCallDto);
  }

  /** Outbox sweep: a queued run whose job is missing (enqueue failed, Redis lost it) is enqueued again. */
  async requeueStale(olderThanMs: number): Promise<number> {
    let requeued = 0;
    for (const run of await this.d.runs.staleQueued(new Date(Date.now() - olderThanMs))) {
      if (await this.d.queue.hasJob(run.id)) continue;
      await this.d.queue.enqueueRun({
        v: 1,
        run_id: run.id,
        session_id: run.sessionId,
        user_id: run.session.ownerId,
        options: SessionOptionsSchema.parse(run.session.options),
      });
      requeued++;
    }
    if (requeued > 0) this.d.logger.warn('re-enqueued queued runs with no job', { count: requeued });
    return requeued;
  }
}
