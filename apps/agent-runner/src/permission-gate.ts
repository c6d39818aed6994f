import type { PermissionRequest, ToolUseBlock } from '@platform/contracts';
import type { EventSink } from './events';
import type { PermissionAnswers } from './permission-answers';
import type { PermissionDecision } from './permissions';
import type { RecordedPermission, RunJournal } from './run-journal';
import { ParkRun } from './errors';
import { permissionRequestId } from './request-id';

export interface PermissionGateOptions {
  answers: PermissionAnswers;
  /** How long a person has to answer; then the call is denied and the run goes on. */
  timeoutMs: number;
  /** Longest a parked run sleeps before it looks again (sessions wakes it at once when someone answers). */
  pollMs: number;
  now?: () => number;
}

/** One run's view of the gate: where its requests go and which ones earlier attempts sent. */
export interface GateRun {
  runId: string;
  sessionId: string;
  turn: number;
  journal: RunJournal;
  events: EventSink;
}

// Wake a little after the deadline, so the run that wakes sees the request expired.
const EXPIRY_MARGIN_MS = 100;

/**
 * The `ask` path of a tool call. The first time, it sends a permission_request (for this call and
 * for the later calls of the same turn that must ask too, so a person sees them together) and parks
 * the run. On every later attempt it reads the answer from sessions: allowed or denied by a person,
 * expired (no answer in time: denied), or still pending (park again until the next poll or the deadline).
 */
export class PermissionGate {
  private readonly now: () => number;

  constructor(private readonly o: PermissionGateOptions) {
    this.now = o.now ?? Date.now;
  }

  async decide(run: GateRun, call: ToolUseBlock, laterAsks: readonly ToolUseBlock[]): Promise<PermissionDecision> {
    const asked = run.journal.permission(run.turn, call.id);
    if (asked) {
      const decided = this.decisionOf(await this.o.answers.read(run.sessionId, asked.requestId));
      if (decided) return decided;
      if (this.now() >= Date.parse(asked.expiresAt)) return this.timedOut();
    }
    const pending = asked ?? (await this.ask(run, call));
    // Also after a crash between two of these requests: every call of the turn that must ask is asked.
    for (const later of laterAsks) if (!run.journal.permission(run.turn, later.id)) await this.ask(run, later);
    throw new ParkRun(this.wakeAt(pending), [pending.requestId]);
  }

  private async ask(run: GateRun, call: ToolUseBlock): Promise<RecordedPermission> {
    const request: RecordedPermission = {
      requestId: permissionRequestId(run.runId, call.id),
      expiresAt: new Date(this.now() + this.o.timeoutMs).toISOString(),
    };
    await run.events.emit({
      type: 'permission_request',
      data: {
        request_id: request.requestId,
        tool_use_id: call.id,
        tool: call.name,
        input: call.input,
        expires_at: request.expiresAt,
      },
    });
    return request;
  }

  private decisionOf(answer: PermissionRequest | undefined): PermissionDecision | undefined {
    switch (answer?.status) {
      case 'allowed':
        return { decision: 'allow', decided_by: personOf(answer), reason: null };
      case 'denied':
        return { decision: 'deny', decided_by: personOf(answer), reason: 'A person denied this call.' };
      case 'expired':
        return this.timedOut();
      case 'cancelled':
        return { decision: 'deny', decided_by: 'cancelled', reason: 'The permission request was cancelled.' };
      case 'pending':
      case undefined:
        return undefined;
    }
  }

  private timedOut(): PermissionDecision {
    return {
      decision: 'deny',
      decided_by: 'timeout',
      reason: `No answer within ${formatDuration(this.o.timeoutMs)}; the call was denied.`,
    };
  }

  private wakeAt(request: RecordedPermission): number {
    return Math.min(this.now() + this.o.pollMs, Date.parse(request.expiresAt) + EXPIRY_MARGIN_MS);
  }
}

/** `user:<id>` for whoever answered (sessions records the user id; an already prefixed value stays). */
function personOf(answer: PermissionRequest): string {
  const who = answer.decided_by;
  if (!who) return 'user';
  return who.startsWith('user:') ? who : `user:${who}`;
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}
