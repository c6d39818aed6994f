import { ContentBlockSchema } from '@platform/contracts';
import { z } from 'zod';
import type { Run, Session } from '../generated/prisma/client';
import type { Db } from '../db';
import { ACTIVE_RUN_STATUSES } from './run-state';

const BlocksSchema = z.array(ContentBlockSchema).catch([]);

export interface AgentSessionRow {
  session: Session;
  runs: number;
  busy: boolean;
  lastRun: Run | null;
}

/** What the SOLO/TDD agents read besides sessions and runs: a run's final answer, and an overview of template sessions. */
export class AgentSessionsRepository {
  constructor(private readonly db: Db) {}

  /** The text of the run's last assistant message that has any (its answer); empty when there is none. */
  async answerOf(runId: string): Promise<string> {
    const messages = await this.db.message.findMany({ where: { runId, role: 'assistant' }, orderBy: { seq: 'desc' }, take: 20 });
    for (const m of messages) {
      const text = BlocksSchema.parse(m.content)
        .flatMap((b) => (b.type === 'text' ? [b.text] : []))
        .join('\n')
        .trim();
      if (text !== '') return text;
    }
    return '';
  }

  /** An owner's sessions of one template, newest first, each with its run count, last run and whether a run is active. */
  async ofTemplate(q: { ownerId: string; templateId: string; sessionId?: string; limit: number }): Promise<AgentSessionRow[]> {
    const sessions = await this.db.session.findMany({
      where: { ownerId: q.ownerId, templateId: q.templateId, ...(q.sessionId ? { id: q.sessionId } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: q.limit,
      include: { _count: { select: { runs: true } }, runs: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 1 } },
    });
    const ids = sessions.map((s) => s.id);
    const active = await this.db.run.groupBy({ by: ['sessionId'], where: { sessionId: { in: ids }, status: { in: ACTIVE_RUN_STATUSES } }, _count: true });
    const busy = new Set(active.map((a) => a.sessionId));
    return sessions.map(({ _count, runs, ...session }) => ({ session, runs: _count.runs, busy: busy.has(session.id), lastRun: runs[0] ?? null }));
  }
}
