import { Prisma, type Run, type SessionEvent } from '../generated/prisma/client';
import type { Db } from '../db';
import { writeAudit, type AuditInput } from './audit.repository';
import { appendUserMessage } from './runs.repository';
import { ACTIVE_RUN_STATUSES, appendEvent, closeDangling, lockRun, lockSession } from './run-state';

/** How sessions itself ends a run: cancelled, timed out, or failed because its job is gone. */
export interface EndRun {
  runId: string;
  status: 'cancelled' | 'timed_out' | 'failed';
  /** The statuses it may be ended from (by default, any active one). */
  from?: string[];
  /** Only if its deadline is (still) before this: an answer in between may have given it more time. */
  deadlineBefore?: Date;
  error: string | null;
  event: { type: string; runSeq: number; data: Record<string, unknown> };
  audit: Omit<AuditInput, 'sessionId' | 'runId'>;
}

export interface Ended {
  run: Run;
  event: SessionEvent;
}

type WithSession = Run & { session: { ownerId: string; options: Prisma.JsonValue } };

/** The run-control transitions: ending a run from outside the runner, and releasing held runs. */
export class RunControlRepository {
  constructor(private readonly db: Db) {}

  /**
   * In one transaction under the run's lock: the run ends (only from `from`), its unfinished tool calls
   * and open permission requests are closed, its one control event is appended and audited. Null when
   * the run does not exist or was no longer in `from`.
   */
  end(o: EndRun): Promise<Ended | null> {
    return this.db.$transaction(async (tx) => {
      const locked = await lockRun(tx, o.runId);
      if (!locked || !(o.from ?? ACTIVE_RUN_STATUSES).includes(locked.status)) return null;
      if (o.deadlineBefore && !(locked.deadline_at && locked.deadline_at < o.deadlineBefore)) return null;
      const now = new Date();
      const run = await tx.run.update({
        where: { id: o.runId },
        data: { status: o.status, error: o.error, finishedAt: now, held: false, pendingInput: Prisma.DbNull },
      });
      await closeDangling(tx, o.runId, now, o.audit.actor);
      const event = await appendEvent(tx, { sessionId: run.sessionId, runId: run.id, runSeq: o.event.runSeq, type: o.event.type, data: o.event.data });
      await writeAudit(tx, { ...o.audit, sessionId: run.sessionId, runId: run.id });
      return { run, event };
    });
  }

  /**
   * Under the session's lock: when the session has no active run left, its oldest held run is released
   * (its user message written, no longer held) and returned for enqueueing.
   */
  releaseNext(sessionId: string): Promise<WithSession | null> {
    return this.db.$transaction(async (tx) => {
      if (!(await lockSession(tx, sessionId))) return null;
      const busy = await tx.run.count({ where: { sessionId, held: false, status: { in: ACTIVE_RUN_STATUSES } } });
      if (busy > 0) return null;
      const next = await tx.run.findFirst({ where: { sessionId, held: true, status: 'queued' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      if (!next) return null;
      await appendUserMessage(tx, sessionId, next.id, (next.pendingInput ?? []) as Prisma.InputJsonValue);
      return tx.run.update({
        where: { id: next.id },
        data: { held: false, pendingInput: Prisma.DbNull },
        include: { session: { select: { ownerId: true, options: true } } },
      });
    });
  }

  async sessionsWithHeldRuns(limit = 100): Promise<string[]> {
    const rows = await this.db.run.findMany({ where: { held: true, status: 'queued' }, distinct: ['sessionId'], select: { sessionId: true }, take: limit });
    return rows.map((r) => r.sessionId);
  }

  /** Active runs (running or waiting for an answer) past their deadline. */
  overdue(now: Date, limit = 100): Promise<Run[]> {
    return this.db.run.findMany({ where: { status: { in: ['running', 'requires_action'] }, deadlineAt: { lt: now } }, take: limit });
  }

  /** Runs a job should be working on (running, or queued and released) that were created before `before`. */
  workedOnSince(before: Date, limit = 100): Promise<Run[]> {
    return this.db.run.findMany({
      where: { OR: [{ status: 'running' }, { status: 'queued', held: false }], createdAt: { lt: before } },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
  }

  /** When the run last showed a sign of life: its latest event, else when it started or was created. */
  async lastActivity(run: Run): Promise<Date> {
    const last = await this.db.sessionEvent.findFirst({ where: { runId: run.id }, orderBy: { seq: 'desc' }, select: { createdAt: true } });
    return last?.createdAt ?? run.startedAt ?? run.createdAt;
  }

  /** Finished runs whose end was never handed to the webhook queue (a crash in between), oldest first. */
  unnotified(finishedBefore: Date, finishedAfter: Date, limit = 100): Promise<Run[]> {
    return this.db.run.findMany({
      where: { notifiedAt: null, finishedAt: { lt: finishedBefore, gt: finishedAfter } },
      orderBy: { finishedAt: 'asc' },
      take: limit,
    });
  }

  async markNotified(runId: string): Promise<void> {
    await this.db.run.updateMany({ where: { id: runId, notifiedAt: null }, data: { notifiedAt: new Date() } });
  }

  findRun(runId: string): Promise<Run | null> {
    return this.db.run.findUnique({ where: { id: runId } });
  }

  activeRunIds(sessionId: string): Promise<string[]> {
    return this.db.run
      .findMany({ where: { sessionId, status: { in: ACTIVE_RUN_STATUSES } }, orderBy: { createdAt: 'desc' }, select: { id: true } })
      .then((rows) => rows.map((r) => r.id));
  }
}
