import type { RunEvent } from '@platform/contracts';
import type { AuditAction } from './audit.repository';
import { DANGLING_TOOL_CALL_STATUSES, type LockedRun } from './run-state';
import type { Sql } from './sql';

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
 * log, in SQL on the ingestion transaction (the common events are one statement each). Returns false,
 * having written nothing, when the event repeats something already recorded (a resumed attempt's second
 * run_started, a tool call or turn seen before): such an event is dropped.
 */
export async function deriveFromEvent(sql: Sql, e: RunEvent, run: LockedRun, o: DeriveOptions): Promise<boolean> {
  const now = new Date();
  switch (e.type) {
    case 'run_started': {
      // A retried or recovered attempt starts again; the run already has.
      if (run.status !== 'queued') return false;
      const deadlineAt = new Date(now.getTime() + o.runDeadlineMs);
      await sql.query(
        `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, $2), provider = $3, model = $4, deadline_at = $5 WHERE id = $1::uuid`,
        [run.id, now, e.data.provider, e.data.model, deadlineAt],
      );
      // `run` stays as the row now is: later events of the same batch decide on it without reading it again.
      Object.assign(run, { status: 'running', started_at: run.started_at ?? now, deadline_at: deadlineAt });
      return true;
    }
    case 'text_delta':
      await resumeIfWaiting(sql, run, o, now);
      return true;
    case 'tool_use':
      return toolUse(sql, e, run, o, now);
    case 'tool_result':
      await resumeIfWaiting(sql, run, o, now);
      await sql.query(
        `UPDATE tool_calls SET status = $3, output = $4, is_error = $5, finished_at = $6 WHERE run_id = $1::uuid AND tool_use_id = $2 AND status = 'running'`,
        [run.id, e.data.tool_use_id, e.data.is_error ? 'failed' : 'succeeded', e.data.output, e.data.is_error, now],
      );
      return true;
    case 'message_complete':
      return messageComplete(sql, e, run, o, now);
    case 'permission_request':
      return permissionRequest(sql, e, run, o, now);
    case 'run_completed':
    case 'run_failed':
      await finished(sql, e, run, now);
      return true;
  }
}

/** The runner went on after a permission wait (answered, or expired on its side): the run is running again, unless it still waits on another answer. */
async function resumeIfWaiting(sql: Sql, run: LockedRun, o: DeriveOptions, now: Date): Promise<void> {
  if (run.status !== 'requires_action') return;
  const deadlineAt = new Date(now.getTime() + o.runDeadlineMs);
  // Still waiting on another call of the same turn: the run stays paused.
  const resumed = await sql.query(
    `UPDATE runs SET status = 'running', deadline_at = $2 WHERE id = $1::uuid
       AND NOT EXISTS (SELECT 1 FROM permission_requests WHERE run_id = $1::uuid AND status = 'pending') RETURNING id`,
    [run.id, deadlineAt],
  );
  if (resumed.length > 0) Object.assign(run, { status: 'running', deadline_at: deadlineAt });
}

async function toolUse(sql: Sql, e: EventOf<'tool_use'>, run: LockedRun, o: DeriveOptions, now: Date): Promise<boolean> {
  const [existing] = await sql.query<{ status: string }>(`SELECT status FROM tool_calls WHERE run_id = $1::uuid AND tool_use_id = $2`, [run.id, e.data.tool_use_id]);
  // Decided before: a replayed call. A pending one was waiting for a person and gets its decision now.
  if (existing && existing.status !== 'pending') return false;
  const actor = decisionActor(e.data.decided_by);
  // A call the runner decided while its request was still open (it expired on the runner's side).
  await sql.query(
    `UPDATE permission_requests SET status = 'expired', decided_by = $3, decided_at = $4 WHERE run_id = $1::uuid AND tool_use_id = $2 AND status = 'pending'`,
    [run.id, e.data.tool_use_id, actor, now],
  );
  await resumeIfWaiting(sql, run, o, now);
  const denied = e.data.decision === 'deny';
  const decision = [denied ? 'denied' : 'running', e.data.decision, e.data.reason ?? null, e.data.decided_by];
  if (existing) {
    await sql.query(
      `UPDATE tool_calls SET status = $3, decision = $4, decision_reason = $5, decided_by = $6,
              finished_at = CASE WHEN $7::boolean THEN $8::timestamptz ELSE finished_at END, is_error = CASE WHEN $7::boolean THEN true ELSE is_error END
        WHERE run_id = $1::uuid AND tool_use_id = $2`,
      [run.id, e.data.tool_use_id, ...decision, denied, now],
    );
  } else {
    await insertToolCall(sql, e, run, [...decision, denied ? now : null, denied]);
  }
  await writeAudit(sql, e, 'tool_decision', actor, {
    tool_use_id: e.data.tool_use_id,
    tool: e.data.tool,
    decision: e.data.decision,
    reason: e.data.reason,
    decided_by: e.data.decided_by,
  });
  return true;
}

/** A new tool call (status, decision, reason, decided_by, finished_at, is_error in `fields`), counted on its session. */
async function insertToolCall(sql: Sql, e: EventOf<'tool_use' | 'permission_request'>, run: LockedRun, fields: unknown[]): Promise<void> {
  await sql.query(
    `WITH c AS (
       INSERT INTO tool_calls (id, session_id, run_id, tool_use_id, tool, input, status, decision, decision_reason, decided_by, finished_at, is_error, created_at)
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, clock_timestamp()) RETURNING id
     )
     UPDATE sessions SET tool_call_count = tool_call_count + 1, updated_at = now() WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM c)`,
    [e.session_id, run.id, e.data.tool_use_id, e.data.tool, JSON.stringify(e.data.input), ...fields],
  );
}

async function messageComplete(sql: Sql, e: EventOf<'message_complete'>, run: LockedRun, o: DeriveOptions, now: Date): Promise<boolean> {
  const turn = e.data.turn ?? null;
  const seenTurn = async () =>
    turn !== null &&
    (await sql.query(`SELECT 1 FROM messages WHERE run_id = $1::uuid AND role = $2 AND turn = $3`, [run.id, e.data.role, turn])).length > 0;
  // Resuming writes the run: only for a turn not seen yet. (Otherwise the statement below checks that itself.)
  if (run.status === 'requires_action') {
    if (await seenTurn()) return false;
    await resumeIfWaiting(sql, run, o, now);
  }
  // One statement: the session's next message number, the message, the run's turn count; nothing if the
  // turn is recorded already.
  const [written] = await sql.query<{ n: number }>(
    `WITH s AS (
       UPDATE sessions SET message_seq = message_seq + 1, message_count = message_count + 1, updated_at = now()
        WHERE id = $1::uuid AND ($5::int IS NULL OR NOT EXISTS (SELECT 1 FROM messages WHERE run_id = $2::uuid AND role = $3 AND turn = $5::int))
        RETURNING message_seq
     ), m AS (
       INSERT INTO messages (id, session_id, run_id, seq, role, content, turn, created_at)
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, s.message_seq, $3, $4::jsonb, $5::int, clock_timestamp() FROM s RETURNING id
     ), r AS (
       UPDATE runs SET turns = turns + 1 WHERE id = $2::uuid AND $3 = 'assistant' AND EXISTS (SELECT 1 FROM m)
     )
     SELECT count(*)::int AS n FROM m`,
    [e.session_id, run.id, e.data.role, JSON.stringify(e.data.content), turn],
  );
  return (written?.n ?? 0) > 0;
}

async function permissionRequest(sql: Sql, e: EventOf<'permission_request'>, run: LockedRun, o: DeriveOptions, now: Date): Promise<boolean> {
  if ((await sql.query(`SELECT 1 FROM permission_requests WHERE id = $1::uuid`, [e.data.request_id])).length > 0) return false;
  const [call] = await sql.query<{ status: string }>(`SELECT status FROM tool_calls WHERE run_id = $1::uuid AND tool_use_id = $2`, [run.id, e.data.tool_use_id]);
  if (call && call.status !== 'pending') return false;
  const parsed = new Date(e.data.expires_at);
  const expiresAt = Number.isNaN(parsed.getTime()) ? new Date(now.getTime() + o.permissionGraceMs) : parsed;
  await sql.query(
    `INSERT INTO permission_requests (id, session_id, run_id, tool_use_id, tool, input, expires_at, created_at)
     VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::jsonb, $7, clock_timestamp())`,
    [e.data.request_id, e.session_id, run.id, e.data.tool_use_id, e.data.tool, JSON.stringify(e.data.input), expiresAt],
  );
  if (!call) await insertToolCall(sql, e, run, ['pending', null, null, null, null, false]);
  const deadlineAt = new Date(expiresAt.getTime() + o.permissionGraceMs);
  await sql.query(`UPDATE runs SET status = 'requires_action', deadline_at = $2 WHERE id = $1::uuid`, [run.id, deadlineAt]);
  Object.assign(run, { status: 'requires_action', deadline_at: deadlineAt });
  await writeAudit(sql, e, 'permission_requested', RUNNER, {
    request_id: e.data.request_id,
    tool_use_id: e.data.tool_use_id,
    tool: e.data.tool,
    input: e.data.input,
    expires_at: expiresAt.toISOString(),
  });
  return true;
}

/**
 * The run's end, its totals added to its session's, whatever it left open closed (see `closeDangling`) and,
 * when neither the session nor its owner has a webhook, the end marked notified (nothing to hand over): one
 * statement. Then whether the end needs the follow-ups (release a held run, notify a webhook) at all.
 */
async function finished(sql: Sql, e: EventOf<'run_completed' | 'run_failed'>, run: LockedRun, now: Date): Promise<void> {
  const status = e.type === 'run_completed' ? 'completed' : 'failed';
  const { input_tokens: input, output_tokens: output } = e.data.usage;
  const [end] = await sql.query<{ hooked: boolean }>(
    `WITH w AS (
       SELECT COALESCE(s.webhook_url, ws.url) IS NOT NULL AS hooked FROM sessions s LEFT JOIN webhook_settings ws ON ws.user_id = s.owner_id WHERE s.id = $8::uuid
     ), r AS (
       UPDATE runs SET status = $2, error = $3, input_tokens = $4::int, output_tokens = $5::int, cost_usd = $6::numeric, finished_at = $7::timestamptz,
                       notified_at = CASE WHEN COALESCE((SELECT hooked FROM w), false) THEN NULL ELSE $7::timestamptz END, stop_reason = $11
        WHERE id = $1::uuid
     ), s AS (
       UPDATE sessions SET input_tokens = input_tokens + $4::int, output_tokens = output_tokens + $5::int, cost_usd = cost_usd + $6::numeric, updated_at = now()
        WHERE id = $8::uuid
     ), t AS (
       UPDATE tool_calls SET status = 'cancelled', finished_at = $7::timestamptz WHERE run_id = $1::uuid AND status = ANY($10::text[])
     ), p AS (
       UPDATE permission_requests SET status = 'cancelled', decided_by = $9, decided_at = $7::timestamptz WHERE run_id = $1::uuid AND status = 'pending'
     )
     SELECT COALESCE((SELECT hooked FROM w), false) AS hooked`,
    [
      run.id,
      status,
      e.type === 'run_failed' ? e.data.error : null,
      input,
      output,
      e.data.cost_usd,
      now,
      e.session_id,
      RUNNER,
      DANGLING_TOOL_CALL_STATUSES,
      e.type === 'run_completed' ? e.data.stop_reason : null,
    ],
  );
  // A separate statement: the one above locked the session's row (as a query does before it holds a run),
  // so this one sees every held run committed before, and a query after waits for this run's end.
  const [held] = await sql.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM runs WHERE session_id = $1::uuid AND held AND status = 'queued') AS held`,
    [e.session_id],
  );
  run.status = status;
  run.needs_follow_up = (end?.hooked ?? true) || (held?.held ?? true);
}

/**
 * Charges an assistant turn's usage to the owner of the run's session, at most once per event: keyed by
 * (run_id, run_seq), so a redelivered event, a replayed batch or an event of a run that has ended meanwhile
 * (the turn was paid for all the same) never counts twice. The day is the UTC day the runner says the turn
 * ended (the day its Redis counters charged), else now.
 */
export async function chargeTurn(sql: Sql, e: RunEvent, now: Date): Promise<void> {
  if (e.type !== 'message_complete' || e.data.role !== 'assistant' || !e.data.usage) return;
  const endedAt = e.data.ended_at ? new Date(e.data.ended_at) : now;
  // One statement: the charge, and only if it is new, the person's total for that day.
  await sql.query(
    `WITH c AS (
       INSERT INTO usage_charges (run_id, run_seq, user_id, session_id, turn, provider, model, input_tokens, output_tokens, cost_usd, day, charged_at)
       SELECT r.id, $2::int, s.owner_id, s.id, $3::int, r.provider, r.model, $4::int, $5::int, $6::numeric, ($7::timestamptz AT TIME ZONE 'UTC')::date, $7::timestamptz
         FROM runs r JOIN sessions s ON s.id = r.session_id WHERE r.id = $1::uuid
       ON CONFLICT (run_id, run_seq) DO NOTHING
       RETURNING user_id, day, input_tokens, output_tokens, cost_usd
     )
     INSERT INTO usage_daily (user_id, day, input_tokens, output_tokens, cost_usd, turns)
     SELECT user_id, day, input_tokens, output_tokens, cost_usd, 1 FROM c
     ON CONFLICT (user_id, day) DO UPDATE SET input_tokens = usage_daily.input_tokens + EXCLUDED.input_tokens,
       output_tokens = usage_daily.output_tokens + EXCLUDED.output_tokens, cost_usd = usage_daily.cost_usd + EXCLUDED.cost_usd,
       turns = usage_daily.turns + 1`,
    [e.run_id, e.run_seq, e.data.turn ?? null, e.data.usage.input_tokens, e.data.usage.output_tokens, e.data.cost_usd ?? 0, Number.isNaN(endedAt.getTime()) ? now : endedAt],
  );
}

/** An audit entry; each row of a transaction gets its own time (as Prisma's `@default(now())` does), so they keep their order. */
async function writeAudit(sql: Sql, e: RunEvent, action: AuditAction, actor: string, details: Record<string, unknown>): Promise<void> {
  await sql.query(
    `INSERT INTO session_audit (id, session_id, run_id, action, actor, details, created_at)
     VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, $5::jsonb, clock_timestamp())`,
    [e.session_id, e.run_id, action, actor, JSON.stringify(details)],
  );
}
