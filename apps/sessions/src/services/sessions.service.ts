import { decodeCursor, pageFrom } from '@platform/db-kit';
import type { ForkWorkspaceResult, Session as SessionDto, SessionCreateRequest, SessionListQuery, SessionOptions, SessionPatchRequest } from '@platform/contracts';
import { AppError, NotFoundError, errorFields, type Logger } from '@platform/service-kit';
import type { Prisma, Session } from '../generated/prisma/client';
import type { SessionsRepository } from '../repositories/sessions.repository';
import { writeAudit } from '../repositories/audit.repository';
import { toSessionDto } from '../repositories/mappers';
import type { ChannelsClient, UsersClient } from '../clients/platform.clients';
import type { AgentRunsQueue } from '../queues/agent-runs';
import { TEMPLATES } from './templates';
import { isAdmin, type Caller } from './caller';

export interface SessionsServiceDeps {
  sessions: SessionsRepository;
  users: UsersClient;
  channels: ChannelsClient;
  queue: AgentRunsQueue;
  forkWaitMs: number;
  logger: Logger;
  /** 400/409 unless `url` may be this owner's session webhook (SSRF checks, a signing secret). */
  checkWebhook: (ownerId: string, url: string, path: string) => Promise<void>;
  /** Cancels a session's active runs (before it is deleted). */
  cancelRuns: (sessionId: string, actor: string) => Promise<void>;
}

const actorOf = (c: Caller) => `user:${c.userId}`;

/** Sessions: create (quota, channel visibility, templates), list, read, rename/archive, delete, fork. */
export class SessionsService {
  constructor(private readonly d: SessionsServiceDeps) {}

  /** The session if the caller owns it or is an admin; 404 otherwise (never a hint that it exists). */
  async visible(caller: Caller, id: string): Promise<Session> {
    const s = await this.d.sessions.findById(id);
    if (!s || (s.ownerId !== caller.userId && !isAdmin(caller))) throw new NotFoundError('Session');
    return s;
  }

  /**
   * Runs `write` only while `ownerId` holds fewer active sessions than auth allows them; the count and the
   * write share one transaction under a per-owner lock, so concurrent requests cannot overshoot the quota.
   */
  private async withinQuota<T>(ownerId: string, write: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    const { max_concurrent_sessions: limit } = await this.d.users.get(ownerId);
    return this.d.sessions.withinQuota(ownerId, limit, write, (active) =>
      new AppError(
        'QUOTA_EXCEEDED',
        `You may hold at most ${limit} active sessions (you hold ${active}). To free a slot, archive one ` +
          `(PATCH /api/v1/sessions/{id} with {"status":"archived"}) or delete one (DELETE /api/v1/sessions/{id}); ` +
          'GET /api/v1/sessions?status=active lists them.',
        {
          details: {
            limit,
            active,
            free_a_slot: {
              archive: 'PATCH /api/v1/sessions/{id} {"status":"archived"}',
              delete: 'DELETE /api/v1/sessions/{id}',
              list_active: 'GET /api/v1/sessions?status=active',
            },
          },
        },
      ),
    );
  }

  async create(caller: Caller, input: SessionCreateRequest & { options: SessionOptions; mode: 'interactive' | 'background' }): Promise<SessionDto> {
    let templateOptions: SessionOptions = {};
    if (input.template_id !== undefined) {
      const template = TEMPLATES.get(input.template_id);
      if (!template) throw new NotFoundError('Template');
      templateOptions = template.options;
    }
    if (input.webhook_url) await this.d.checkWebhook(caller.userId, input.webhook_url, 'body.webhook_url');
    if (input.channel_id) await this.d.channels.assertVisible(input.channel_id, caller);
    const created = await this.withinQuota(caller.userId, async (tx) => {
      const s = await this.d.sessions.create(
        {
          ownerId: caller.userId,
          name: input.name,
          mode: input.mode,
          channelId: input.channel_id ?? null,
          templateId: input.template_id ?? null,
          options: { ...templateOptions, ...input.options },
          webhookUrl: input.webhook_url ?? null,
        },
        tx,
      );
      await writeAudit(tx, {
        sessionId: s.id,
        action: 'session_created',
        actor: actorOf(caller),
        details: { name: s.name, mode: s.mode, template_id: s.templateId, channel_id: s.channelId, webhook_url: s.webhookUrl },
      });
      return s;
    });
    return toSessionDto(created);
  }

  async list(caller: Caller, q: SessionListQuery) {
    const rows = await this.d.sessions.list({
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
    if (input.webhook_url) await this.d.checkWebhook(s.ownerId, input.webhook_url, 'body.webhook_url');
    const write = async (tx: Prisma.TransactionClient) => {
      const updated = await this.d.sessions.update(id, input, tx);
      await writeAudit(tx, { sessionId: id, action: 'session_updated', actor: actorOf(caller), details: { ...input } });
      return updated;
    };
    // Reactivating counts against the owner's quota, whoever does it.
    if (input.status === 'active' && s.status !== 'active') return toSessionDto(await this.withinQuota(s.ownerId, write));
    return toSessionDto(await this.d.sessions.transaction(write));
  }

  /**
   * Cancels the session's active runs (the runner stops, nothing stays active), asks the runner to
   * delete its working directory, then removes it with everything it owns. The job goes first: once
   * the rows are gone nothing would remember the directory, while a failure in between leaves a
   * session the caller can delete again (the job id makes that harmless).
   */
  async delete(caller: Caller, id: string): Promise<void> {
    await this.visible(caller, id);
    await this.d.cancelRuns(id, actorOf(caller));
    await this.d.queue.deleteWorkspace({ v: 1, session_id: id });
    await this.d.sessions.delete(id);
  }

  async fork(caller: Caller, id: string, name: string | undefined): Promise<SessionDto> {
    const parent = await this.visible(caller, id);
    const child = await this.withinQuota(caller.userId, async (tx) => {
      const forked = await this.d.sessions.fork(parent, caller.userId, name ?? `${parent.name} (fork)`, tx);
      await writeAudit(tx, { sessionId: parent.id, action: 'forked', actor: actorOf(caller), details: { fork_session_id: forked.id } });
      await writeAudit(tx, {
        sessionId: forked.id,
        action: 'session_created',
        actor: actorOf(caller),
        details: { name: forked.name, forked_from: parent.id, messages_copied: forked.messageCount },
      });
      return forked;
    });
    const copied = await this.d.queue.forkWorkspace({ v: 1, from_session_id: parent.id, to_session_id: child.id }, this.d.forkWaitMs);
    if (!copied) this.d.logger.warn('working directory copy still pending', { session_id: child.id, parent_session_id: parent.id });
    else await this.recordIncompleteCopy(child.id, copied);
    return toSessionDto(child);
  }

  /** A fork whose working directory was not copied whole (over the quota, or entries never copied) says so in its audit log. */
  private async recordIncompleteCopy(sessionId: string, copied: ForkWorkspaceResult): Promise<void> {
    const skipped = (copied.skipped?.special ?? 0) + (copied.skipped?.hard_linked ?? 0);
    if (copied.result !== 'over_quota' && skipped === 0) return;
    await this.d.sessions
      .transaction((tx) =>
        writeAudit(tx, { sessionId, action: 'workspace_fork_incomplete', actor: 'service:agent-runner', details: { ...copied } }),
      )
      .catch((err: unknown) => this.d.logger.warn('could not record an incomplete workspace copy', { session_id: sessionId, ...errorFields(err) }));
  }
}
