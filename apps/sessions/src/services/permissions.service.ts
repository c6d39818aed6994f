import type { PermissionDecisionRequest, PermissionRequest as PermissionRequestDto } from '@platform/contracts';
import { decodeCursor, pageFrom } from '@platform/db-kit';
import { ConflictError, NotFoundError, errorFields, type Logger } from '@platform/service-kit';
import type { Session } from '../generated/prisma/client';
import type { PermissionsRepository } from '../repositories/permissions.repository';
import { toPermissionDto } from '../repositories/mappers';
import type { AgentRunsQueue } from '../queues/agent-runs';
import { userActor } from './run-control.service';
import type { Caller } from './caller';

/** Permission requests: a person answers, the runner reads the answer, the leader expires the unanswered. */
export class PermissionsService {
  constructor(
    private readonly d: {
      repo: PermissionsRepository;
      visible: (caller: Caller, sessionId: string) => Promise<Session>;
      queue: AgentRunsQueue;
      runDeadlineMs: number;
      logger: Logger;
    },
  ) {}

  /** Records the answer (404 unless the caller may act on the session; 409 once answered, expired or cancelled), then wakes the runner. */
  async decide(caller: Caller, sessionId: string, requestId: string, body: Required<PermissionDecisionRequest>): Promise<PermissionRequestDto> {
    await this.d.visible(caller, sessionId);
    const result = await this.d.repo.decide({
      sessionId,
      requestId,
      decision: body.decision,
      remember: body.remember,
      actor: userActor(caller),
      deadlineAt: new Date(Date.now() + this.d.runDeadlineMs),
    });
    if (result.kind === 'not_found') throw new NotFoundError('Permission request');
    if (result.kind === 'closed') {
      await this.wake(result.request.runId);
      throw new ConflictError(`The permission request is already ${result.request.status}`, { status: result.request.status });
    }
    await this.wake(result.request.runId);
    return toPermissionDto(result.request);
  }

  /** For the runner (service callers only): the request, expired if it went unanswered past its expiry. */
  async forRunner(sessionId: string, requestId: string): Promise<PermissionRequestDto> {
    const found = await this.d.repo.forRunner(sessionId, requestId);
    if (!found) throw new NotFoundError('Permission request');
    return toPermissionDto(found);
  }

  async list(caller: Caller, sessionId: string, status: string | undefined, cursor: string | undefined, limit: number) {
    await this.d.visible(caller, sessionId);
    return pageFrom(await this.d.repo.list(sessionId, status, cursor ? decodeCursor(cursor) : undefined, limit), limit, toPermissionDto);
  }

  /** Leader sweep: unanswered requests past their expiry are expired and their runners woken to go on (denied). */
  async expireOverdue(): Promise<number> {
    const expired = await this.d.repo.expireOverdue(new Date());
    for (const r of expired) await this.wake(r.runId);
    return expired.length;
  }

  /** Promotes the run's parked job so the runner resumes now rather than at its own poll. */
  private async wake(runId: string): Promise<void> {
    try {
      await this.d.queue.promote(runId);
    } catch (err) {
      this.d.logger.warn('could not wake the runner', { run_id: runId, ...errorFields(err) });
    }
  }
}
