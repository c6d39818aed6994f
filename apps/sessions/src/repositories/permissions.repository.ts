import { afterCursor, type KeysetPosition } from '@platform/db-kit';
import { SessionOptionsSchema, ToolRuleSchema, type SessionOptions } from '@platform/contracts';
import { rememberRules } from '@platform/tool-policy';
import type { PermissionRequest, Prisma } from '../generated/prisma/client';
import type { Db } from '../db';
import { writeAudit } from './audit.repository';
import { lockRun, type Tx } from './run-state';

export interface Decision {
  sessionId: string;
  requestId: string;
  decision: 'allow' | 'deny';
  remember: boolean;
  actor: string;
  /** The run's new deadline once it goes on. */
  deadlineAt: Date;
}

export type DecideResult =
  | { kind: 'decided'; request: PermissionRequest }
  | { kind: 'not_found' }
  /** Answered, expired or cancelled before: the request as it stands. */
  | { kind: 'closed'; request: PermissionRequest };

const EXPIRED_BY = 'system:timeout';

/** Permission requests: a person's answer, the runner's read, expiry. */
export class PermissionsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records an answer under the run's lock (so it cannot cross a cancel), moves the run from
   * requires_action back to running once no request of it is left open, and with `remember` adds the tool to the session's
   * allowed_tools (allow) or disallowed_tools (deny). A request past its expiry is expired instead.
   */
  decide(d: Decision): Promise<DecideResult> {
    return this.db.$transaction(async (tx): Promise<DecideResult> => {
      const found = await tx.permissionRequest.findFirst({ where: { id: d.requestId, sessionId: d.sessionId } });
      if (!found) return { kind: 'not_found' };
      await lockRun(tx, found.runId);
      const current = await tx.permissionRequest.findUniqueOrThrow({ where: { id: d.requestId } });
      const now = new Date();
      if (current.status !== 'pending') return { kind: 'closed', request: current };
      if (current.expiresAt <= now) return { kind: 'closed', request: await expire(tx, current, now) };
      const request = await tx.permissionRequest.update({
        where: { id: d.requestId },
        data: { status: d.decision === 'allow' ? 'allowed' : 'denied', decidedBy: d.actor, decidedAt: now, remember: d.remember },
      });
      // The runner may wait on several calls of one turn: the run goes on once none is left unanswered.
      const open = await tx.permissionRequest.count({ where: { runId: request.runId, status: 'pending' } });
      if (open === 0) {
        await tx.run.updateMany({ where: { id: request.runId, status: 'requires_action' }, data: { status: 'running', deadlineAt: d.deadlineAt } });
      }
      const remembered = d.remember ? await rememberTool(tx, d.sessionId, request, d.decision) : [];
      await writeAudit(tx, {
        sessionId: d.sessionId,
        runId: request.runId,
        action: 'permission_answered',
        actor: d.actor,
        details: { request_id: request.id, tool_use_id: request.toolUseId, tool: request.tool, decision: d.decision, remember: d.remember, remembered },
      });
      return { kind: 'decided', request };
    });
  }

  /** The request as the runner reads it on resuming; a pending one past its expiry is expired (and stays so). */
  async forRunner(sessionId: string, requestId: string): Promise<PermissionRequest | null> {
    const found = await this.db.permissionRequest.findFirst({ where: { id: requestId, sessionId } });
    if (!found || found.status !== 'pending' || found.expiresAt > new Date()) return found;
    return this.db.$transaction(async (tx) => {
      await lockRun(tx, found.runId);
      const current = await tx.permissionRequest.findUniqueOrThrow({ where: { id: requestId } });
      return current.status === 'pending' ? expire(tx, current, new Date()) : current;
    });
  }

  /** Expires every pending request past its expiry; returns them (their runners are woken). */
  async expireOverdue(now: Date, limit = 100): Promise<PermissionRequest[]> {
    const overdue = await this.db.permissionRequest.findMany({ where: { status: 'pending', expiresAt: { lte: now } }, take: limit });
    const expired: PermissionRequest[] = [];
    for (const r of overdue) {
      const done = await this.forRunner(r.sessionId, r.id);
      if (done?.status === 'expired') expired.push(done);
    }
    return expired;
  }

  list(sessionId: string, status: string | undefined, after: KeysetPosition | undefined, limit: number): Promise<PermissionRequest[]> {
    return this.db.permissionRequest.findMany({
      where: { sessionId, ...(status ? { status } : {}), ...afterCursor(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }
}

async function expire(tx: Tx, r: PermissionRequest, now: Date): Promise<PermissionRequest> {
  const expired = await tx.permissionRequest.update({ where: { id: r.id }, data: { status: 'expired', decidedBy: EXPIRED_BY, decidedAt: now } });
  await writeAudit(tx, {
    sessionId: r.sessionId,
    runId: r.runId,
    action: 'permission_expired',
    actor: EXPIRED_BY,
    details: { request_id: r.id, tool_use_id: r.toolUseId, tool: r.tool, expires_at: r.expiresAt.toISOString() },
  });
  return expired;
}

/**
 * Adds the call's rules to the session's allowed (or disallowed) tools and takes them out of the other
 * list: the tool's name, or for a shell command one exact rule per command of its line (none when the
 * line cannot be analysed: the answer then covers that call only). Returns the rules added.
 */
async function rememberTool(tx: Tx, sessionId: string, request: PermissionRequest, decision: 'allow' | 'deny'): Promise<string[]> {
  const input = (request.input ?? {}) as Record<string, unknown>;
  // Options name only tools the platform knows and valid rules; an answer about anything else is not remembered.
  const rules = rememberRules(request.tool, input).filter((r) => ToolRuleSchema.safeParse(r).success);
  if (rules.length === 0) return [];
  const session = await tx.session.findUniqueOrThrow({ where: { id: sessionId }, select: { options: true } });
  const options: SessionOptions = SessionOptionsSchema.parse(session.options);
  const [add, remove] = decision === 'allow' ? (['allowed_tools', 'disallowed_tools'] as const) : (['disallowed_tools', 'allowed_tools'] as const);
  const next: SessionOptions = { ...options, [add]: [...new Set([...(options[add] ?? []), ...rules])] };
  const rest = (options[remove] ?? []).filter((t) => !rules.includes(t));
  if (options[remove] !== undefined) next[remove] = rest;
  // A session's lists are bounded (contracts): a full list remembers nothing more (dropping a rule could drop a denial).
  if (SessionOptionsSchema.safeParse(next).success === false) return [];
  await tx.session.update({ where: { id: sessionId }, data: { options: next as Prisma.InputJsonValue } });
  return rules;
}
