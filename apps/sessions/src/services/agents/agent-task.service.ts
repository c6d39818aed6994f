import type { AgentRunRef, Run as RunDto, SessionOptions } from '@platform/contracts';
import type { Session } from '../../generated/prisma/client';
import type { AgentSessionsRepository } from '../../repositories/agent-sessions.repository';
import type { SessionsService } from '../sessions.service';
import type { RunsService } from '../runs.service';
import type { Caller } from '../caller';

export interface AgentTaskDeps {
  sessions: SessionsService;
  runs: RunsService;
  repo: AgentSessionsRepository;
  /** Longest a call waits for its run (QUERY_WAIT_MAX_MS, as `?wait=true`). */
  waitMs: number;
}

/** A task query's outcome: the run completed with an answer, or where it stands (still going, or ended without one). */
export type TaskOutcome = { done: true; run: RunDto; answer: string } | { done: false; ref: AgentRunRef };

const SESSIONS = '/api/v1/sessions';

/** A run as the agents' calls report it: its status, error, and where to follow it. */
export function runRef(sessionId: string, runId: string, status: RunDto['status'], error: string | null = null): AgentRunRef {
  return {
    session_id: sessionId,
    run_id: runId,
    status,
    error,
    links: {
      run: `${SESSIONS}/${sessionId}/runs/${runId}`,
      messages: `${SESSIONS}/${sessionId}/messages`,
      stream: `${SESSIONS}/${sessionId}/stream`,
    },
  };
}

/**
 * The SOLO/TDD agents' use of the ordinary machinery: sessions from templates (owned by the caller,
 * counted against their quota), queries through the normal run path (queued behind an active run),
 * and the bounded wait of `?wait=true`.
 */
export class AgentTaskService {
  constructor(private readonly d: AgentTaskDeps) {}

  /** A new session from `templateId` for the caller. */
  async newSession(
    caller: Caller,
    o: { templateId: string; name: string; channelId?: string | undefined; options?: Pick<SessionOptions, 'provider' | 'model'> | undefined },
  ): Promise<string> {
    const created = await this.d.sessions.create(caller, {
      name: o.name,
      mode: 'interactive',
      template_id: o.templateId,
      options: o.options ?? {},
      ...(o.channelId ? { channel_id: o.channelId } : {}),
    });
    return created.id;
  }

  /** The caller's session (404 for anyone else's, as everywhere). */
  visible(caller: Caller, sessionId: string): Promise<Session> {
    return this.d.sessions.visible(caller, sessionId);
  }

  /** Queues `prompt` as the session's next query and returns the run (without waiting). */
  async start(caller: Caller, sessionId: string, prompt: string): Promise<AgentRunRef> {
    const accepted = await this.d.runs.query(caller, sessionId, prompt, 'enqueue');
    return runRef(sessionId, accepted.run_id, accepted.status);
  }

  /**
   * Queues `prompt` and waits for its run: the answer once it completed; otherwise where it stands
   * (a failed model call is the run's outcome, not an error of this service, as with `?wait=true`).
   */
  async ask(caller: Caller, sessionId: string, prompt: string): Promise<TaskOutcome> {
    const started = await this.start(caller, sessionId, prompt);
    const run = (await this.d.runs.waitForEnd(sessionId, started.run_id, this.d.waitMs)) ?? (await this.d.runs.getRun(caller, sessionId, started.run_id));
    if (run.status !== 'completed') return { done: false, ref: runRef(sessionId, run.id, run.status, run.error) };
    return { done: true, run, answer: await this.d.repo.answerOf(run.id) };
  }
}
