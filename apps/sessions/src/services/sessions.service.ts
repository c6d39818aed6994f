import { decodeCursor, pageFrom } from '@platform/db-kit';
import type { Session as SessionDto, SessionCreateRequest, SessionListQuery, SessionOptions, SessionPatchRequest } from '@platform/contracts';
import { AppError, NotFoundError, type Logger } from '@platform/service-kit';
import type { Prisma, Session } from '../generated/prisma/client';
import type { SessionsRepository } from '../repositories/sessions.repository';
import { toSessionDto } from '../repositories/mappers';
import type { ChannelsClient, UsersClient } from '../clients/platform.clients';
import type { AgentRunsQueue } from '../queues/agent-runs';
import type { RunsRepository } from '../repositories/runs.repository';
import { TEMPLATES } from './templates';
import { isAdmin, type Caller } from './caller';

/** Sessions: create (quota, channel visibility, templates), list, read, rename/archive, delete, fork. */
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly runs: RunsRepository,
    private readonly users: UsersClient,
    private readonly channels: ChannelsClient,
    private readonly queue: AgentRunsQueue,
    private readonly forkWaitMs: number,
    private readonly logger: Logger,
  ) {}

  /** The session if the caller owns it or is an admin; 404 otherwise (never a hint that it exists). */
  async visible(caller: Caller, id: string): Promise<Session> {
    const s = await this.sessions.findById(id);
    if (!s || (s.ownerId !== caller.userId && !isAdmin(caller))) throw new NotFoundError('Session');
    return s;
  }

  /**
   * Runs `write` only while `ownerId` holds fewer active sessions than auth allows them; the count and the
   * write share one transaction under a per-owner lock, so concurrent requests cannot overshoot the quota.
   */
  private async withinQuota<T>(ownerId: string, write: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    const { max_concurrent_sessions: limit } = await this.users.get(ownerId);
    return this.sessions.withinQuota(ownerId, limit, write, (active) =>
      new AppError('QUOTA_EXCEEDED', `You may hold at most ${limit} active sessions`, { details: { limit, active } }),
    );
  }

  async create(caller: Caller, input: SessionCreateRequest & { options: SessionOptions; mode: 'interactive' | 'background' }): Promise<SessionDto> {
    let templateOptions: SessionOptions = {};
    if (input.template_id !== undefined) {
      const template = TEMPLATES[input.template_id];
      if (!template) throw new NotFoundError('Template');
      templateOptions = template.options;
    }
    if (input.channel_id) await this.channels.assertVisible(input.channel_id, caller);
    const created = await this.withinQuota(caller.userId, (tx) =>
      this.sessions.create(
        {
          ownerId: caller.userId,
          name: input.name,
          mode: input.mode,
          channelId: input.channel_id ?? null,
          templateId: input.template_id ?? null,
          options: { ...templateOptions, ...input.options },
        },
        tx,
      ),
    );
    return toSessionDto(created);
  }

  async list(caller: Caller, q: SessionListQuery) {
    const rows = await this.sessions.list({
      ownerId: isAdmin(caller) ? undefined : caller.userId,
      status: q.status,
      channelId: q.channel_id,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: q.limit,
    });
    return pageFrom(rows, q.limit, toSessionDto);
  }

  async get(caller: Caller, id: string): Promise<SessionDto> {
    return toSessionDto(await this.visible(caller, id));
  }

  async patch(caller: Caller, id: string, input: SessionPatchRequest): Promise<SessionDto> {
    const s = await this.visible(caller, id);
    // Reactivating counts against the owner's quota, whoever does it.
    if (input.status === 'active' && s.status !== 'active') return toSessionDto(await this.withinQuota(s.ownerId, (tx) => this.sessions.update(id, input, tx)));
    return toSessionDto(await this.sessions.update(id, input));
  }

  /** Withdraws the session's runs that have not started, then removes it with everything it owns. */
  async delete(caller: Caller, id: string): Promise<void> {
    await this.visible(caller, id);
    for (const run of await this.runs.activeRuns(id)) await this.queue.removeWaiting(run.id);
    await this.sessions.delete(id);
  }

  async fork(caller: Caller, id: string, name: string | undefined): Promise<SessionDto> {
    const parent = await this.visible(caller, id);
    const child = await this.withinQuota(caller.userId, (tx) => this.sessions.fork(parent, caller.userId, name ?? `${parent.name} (fork)`, tx));
    const copied = await this.queue.forkWorkspace({ v: 1, from_session_id: parent.id, to_session_id: child.id }, this.forkWaitMs);
    if (!copied) this.logger.warn('working directory copy still pending', { session_id: child.id, parent_session_id: parent.id });
    return toSessionDto(child);
  }
}
