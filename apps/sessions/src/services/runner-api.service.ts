import { SessionOptionsSchema, type InternalHistoryResponse, type RunStatus } from '@platform/contracts';
import { NotFoundError } from '@platform/service-kit';
import type { SessionsRepository } from '../repositories/sessions.repository';
import type { RunsRepository } from '../repositories/runs.repository';
import type { EventLogRepository } from '../repositories/event-log.repository';
import { toMessageDto } from '../repositories/mappers';

/** What a runner asks sessions: a session's history and current options, and how far a run's events got. */
export class RunnerApiService {
  constructor(
    private readonly d: { sessions: SessionsRepository; runs: RunsRepository; log: EventLogRepository },
  ) {}

  async history(sessionId: string, runId: string | undefined): Promise<InternalHistoryResponse> {
    const session = await this.d.sessions.findById(sessionId);
    const messages = (await this.d.runs.allMessages(sessionId)).map(toMessageDto);
    const body: InternalHistoryResponse = {
      session_id: sessionId,
      messages,
      ...(session ? { options: SessionOptionsSchema.parse(session.options) } : {}),
    };
    if (runId === undefined) return body;
    const run = await this.d.runs.findRun(sessionId, runId);
    if (!run) throw new NotFoundError('Run');
    return { ...body, run: { id: run.id, status: run.status as RunStatus, last_run_seq: await this.d.log.lastRunSeq(run.id) } };
  }
}
