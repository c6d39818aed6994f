import type { RunEvent } from '@platform/contracts';
import type { Prisma } from '../generated/prisma/client';
import { writeAudit } from './audit.repository';
import { closeDangling, type LockedRun, type Tx } from './run-state';

export interface DeriveOptions {
  runDeadlineMs: number;
  /** A run waiting for an answer times out this long after the request expires. */
  permissionGraceMs: number;
}

type EventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;
const RUNNER = 'service:agent-runner';

const ACTOR_KINDS = /^(user|rule|system|service):/;
/** `decided_by` as an audit actor: a person stays `user:<id>`; the runner's rules (`mode:default`, `timeout`) become `rule:<…>`. */
export const decisionActor = (decidedBy: string): string => (ACTOR_KINDS.test(decidedBy) ? decidedBy : `rule:${decidedBy}`);

/**
 * Writes what one runner event means for runs, tool calls, messages, permission requests and the audit
 * log. Returns false, having written nothing, when the event repeats something already recorded (a
 * resumed attempt's second run_started, a tool call or turn seen before): such an event is dropped.
 */
export async function deriveFromEvent(tx: Tx, e: RunEvent, run: LockedRun, o: DeriveOptions): Promise<boolean> {
  const now = new Date();
  switch (e.type) {
    case 'run_started':
      // A retried or recovered attempt starts again; the run already has.
      if (run.status !== 'queued') return false;
      await tx.run.update({
        where: { id: run.id },
        data: {
          status: 'running',
          startedAt: run.started_at ?? now,
          provider: e.data.provider,
          model: e.data.model,
          deadlineAt: new Date(now.getTime() + o.runDeadlineMs),
        },
      });
      // `run` stays as the row now is: later events of the same batch decide on it without locking it again.
      Object.assign(run, { status: 'running', started_at: run.started_at ?? now, deadline_at: new Date(now.getTime() + o.runDeadlineMs) });
      return true;
    case 'text_delta':
      await resumeIfWaiting(tx, run, o, now);
      return true;
    case 'tool_use':
      return toolUse(tx, e, run, o, now);
    case 'tool_result':
      await resumeIfWaiting(tx, run, o, now);
      await tx.toolCall.updateMany({
        where: { runId: run.id, toolUseId: e.data.tool_use_id, status: 'running' },
        data: { status: e.data.is_error ? 'failed' : 'succeeded', output: e.data.output, isError: e.data.is_error, finishedAt: now },
      });
      return true;
    case 'message_complete':
      return messageComplete(tx, e, run, o, now);
    case 'permission_request':
      return permissionRequest(tx, e, run, o, now);
    case 'run_completed':
    case 'run_failed':
      await finished(tx, e, run, now);
      return true;
  }
}

/** The runner went on after a permission wait (answered, or expired on its side): the run is running again, unless it still waits on another answer. */
async function resumeIfWaiting(tx: Tx, run: LockedRun, o: DeriveOptions, now: Date): Promise<void> {
  if (run.status !== 'requires_action') return;
  // Still waiting on another call of the same turn: the run stays paused.
  if ((await tx.permissionRequest.count({ where: { runId: run.id, status: 'pending' } })) > 0) return;
  const deadlineAt = new Date(now.getTime() + o.runDeadlineMs);
  await tx.run.update({ where: { id: run.id }, data: { status: 'running', deadlineAt } });
  Object.assign(run, { status: 'running', deadline_at: deadlineAt });
}

async function toolUse(tx: Tx, e: EventOf<'tool_use'>, run: LockedRun, o: DeriveOptions, now: Date): Promise<boolean> {
  const key = { runId_toolUseId: { runId: run.id, toolUseId: e.data.tool_use_id } };
  const existing = await tx.toolCall.findUnique({ where: key, select: { status: true } });
  // Decided before: a replayed call. A pending one was waiting for a person and gets its decision now.
  if (existing && existing.status !== 'pending') return false;
  const actor = decisionActor(e.data.decided_by);
  // A call the runner decided while its request was still open (it expired on the runner's side).
  await tx.permissionRequest.updateMany({
    where: { runId: run.id, toolUseId: e.data.tool_use_id, status: 'pending' },
    data: { status: 'expired', decidedBy: actor, decidedAt: now },
  });
  await resumeIfWaiting(tx, run, o, now);
  const denied = e.data.decision === 'deny';
  const decision = {
    status: denied ? 'denied' : 'running',
    decision: e.data.decision,
    decisionReason: e.data.reason,
    decidedBy: e.data.decided_by,
    ...(denied ? { finishedAt: now, isError: true } : {}),
  };
  if (existing) {
    await tx.toolCall.update({ where: key, data: decision });
  } else {
    await tx.toolCall.create({
      data: { sessionId: e.session_id, runId: run.id, toolUseId: e.data.tool_use_id, tool: e.data.tool, input: e.data.input as Prisma.InputJsonValue, ...decision },
    });
    await tx.session.update({ where: { id: e.session_id }, data: { toolCallCount: { increment: 1 } } });
  }
  await writeAudit(tx, {
    sessionId: e.session_id,
    runId: run.id,
    action: 'tool_decision',
    actor,
    details: { tool_use_id: e.data.tool_use_id, tool: e.data.tool, decision: e.data.decision, reason: e.data.reason, decided_by: e.data.decided_by },
  });
  return true;
}

async function messageComplete(tx: Tx, e: EventOf<'message_complete'>, run: LockedRun, o: DeriveOptions, now: Date): Promise<boolean> {
  const turn = e.data.turn;
  if (turn !== undefined) {
    const seen = await tx.message.findFirst({ where: { runId: run.id, role: e.data.role, turn }, select: { id: true } });
    if (seen) return false;
  }
  await resumeIfWaiting(tx, run, o, now);
  const s = await tx.session.update({
    where: { id: e.session_id },
    data: { messageSeq: { increment: 1 }, messageCount: { increment: 1 } },
    select: { messageSeq: true },
  });
  await tx.message.create({
    data: { sessionId: e.session_id, runId: run.id, seq: s.messageSeq, role: e.data.role, content: e.data.content as Prisma.InputJsonValue, turn: turn ?? null },
  });
  if (e.data.role === 'assistant') await tx.run.update({ where: { id: run.id }, data: { turns: { increment: 1 } } });
  return true;
}

async function permissionRequest(tx: Tx, e: EventOf<'permission_request'>, run: LockedRun, o: DeriveOptions, now: Date): Promise<boolean> {
  if (await tx.permissionRequest.findUnique({ where: { id: e.data.request_id }, select: { id: true } })) return false;
  const key = { runId_toolUseId: { runId: run.id, toolUseId: e.data.tool_use_id } };
  const call = await tx.toolCall.findUnique({ where: key, select: { status: true } });
  if (call && call.status !== 'pending') return false;
  const parsed = new Date(e.data.expires_at);
  const expiresAt = Number.isNaN(parsed.getTime()) ? new Date(now.getTime() + o.permissionGraceMs) : parsed;
  await tx.permissionRequest.create({
    data: {
      id: e.data.request_id,
      sessionId: e.session_id,
      runId: run.id,
      toolUseId: e.data.tool_use_id,
      tool: e.data.tool,
      input: e.data.input as Prisma.InputJsonValue,
      expiresAt,
    },
  });
  if (!call) {
    await tx.toolCall.create({
      data: { sessionId: e.session_id, runId: run.id, toolUseId: e.data.tool_use_id, tool: e.data.tool, input: e.data.input as Prisma.InputJsonValue, status: 'pending' },
    });
    await tx.session.update({ where: { id: e.session_id }, data: { toolCallCount: { increment: 1 } } });
  }
  const deadlineAt = new Date(expiresAt.getTime() + o.permissionGraceMs);
  await tx.run.update({ where: { id: run.id }, data: { status: 'requires_action', deadlineAt } });
  Object.assign(run, { status: 'requires_action', deadline_at: deadlineAt });
  await writeAudit(tx, {
    sessionId: e.session_id,
    runId: run.id,
    action: 'permission_requested',
    actor: RUNNER,
    details: { request_id: e.data.request_id, tool_use_id: e.data.tool_use_id, tool: e.data.tool, input: e.data.input, expires_at: expiresAt.toISOString() },
  });
  return true;
}

async function finished(tx: Tx, e: EventOf<'run_completed' | 'run_failed'>, run: LockedRun, now: Date): Promise<void> {
  await tx.run.update({
    where: { id: run.id },
    data: {
      status: e.type === 'run_completed' ? 'completed' : 'failed',
      error: e.type === 'run_failed' ? e.data.error : null,
      inputTokens: e.data.usage.input_tokens,
      outputTokens: e.data.usage.output_tokens,
      costUsd: e.data.cost_usd,
      finishedAt: now,
    },
  });
  run.status = e.type === 'run_completed' ? 'completed' : 'failed';
  await tx.session.update({
    where: { id: e.session_id },
    data: {
      inputTokens: { increment: e.data.usage.input_tokens },
      outputTokens: { increment: e.data.usage.output_tokens },
      costUsd: { increment: e.data.cost_usd },
    },
  });
  await closeDangling(tx, run.id, now, RUNNER);
}
