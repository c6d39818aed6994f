import { SessionOptionsSchema, type InternalHistoryResponse, type RunStatus } from '@platform/contracts';
import { NotFoundError } from '@platform/service-kit';
import type { RunsRepository } from '../repositories/runs.repository';
import { toMessageDto } from '../repositories/mappers';

/** What a runner asks sessions: a session's history and current options, and how far a run's events got. */
export class RunnerApiService {
  constructor(private readonly d: { runs: RunsRepository }) {}

  async history(sessionId: string, runId: string | undefined): Promise<InternalHistoryResponse> {
    const h = await this.d.runs.history(sessionId, runId);
    const body: InternalHistoryResponse = {
      session_id: sessionId,
      messages: h.messages.map(toMessageDto),
      ...(h.options !== undefined ? { options: SessionOptionsSchema.parse(h.options) } : {}),
    };
    if (runId === undefined) return body;
    if (!h.run) throw new NotFoundError('Run');
    return { ...body, run: { id: h.run.id, status: h.run.status as RunStatus, last_run_seq: h.run.lastRunSeq } };
  }
}
