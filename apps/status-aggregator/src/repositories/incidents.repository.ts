import type { Incident as IncidentDto, IncidentListQuery } from '@platform/contracts';
import { decodeCursor, encodeCursor } from '@platform/db-kit';
import type { Incident, IncidentUpdate, Prisma } from '../generated/prisma/client';
import type { Db } from '../db';

export const INCIDENT_WITH_UPDATES = {
  updates: { orderBy: [{ at: 'asc' }, { id: 'asc' }] },
} satisfies Prisma.IncidentInclude;
export type IncidentWithUpdates = Incident & { updates: IncidentUpdate[] };

/** The public view of an incident, plus its timeline for admins. */
export function toIncidentDto(i: IncidentWithUpdates, withUpdates: boolean): IncidentDto {
  return {
    id: i.id,
    service: i.service,
    title: i.title,
    impact: i.impact,
    status: i.resolvedAt ? 'resolved' : 'open',
    started_at: i.startedAt.toISOString(),
    resolved_at: i.resolvedAt?.toISOString() ?? null,
    duration_ms: i.resolvedAt ? i.resolvedAt.getTime() - i.startedAt.getTime() : null,
    ...(withUpdates
      ? { updates: i.updates.map((u) => ({ at: u.at.toISOString(), state: u.state, message: u.message })) }
      : {}),
  };
}

/** Incidents, newest first. */
export class IncidentsRepository {
  constructor(private readonly db: Db) {}

  /** A page of incidents (keyset on started_at, id) and the cursor of the next page. */
  async list(q: IncidentListQuery): Promise<{ rows: IncidentWithUpdates[]; nextCursor: string | null }> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const where: Prisma.IncidentWhereInput = {
      ...(q.service ? { service: q.service } : {}),
      ...(q.status === 'open' ? { resolvedAt: null } : q.status === 'resolved' ? { resolvedAt: { not: null } } : {}),
      ...(after
        ? { OR: [{ startedAt: { lt: after.createdAt } }, { startedAt: after.createdAt, id: { lt: after.id } }] }
        : {}),
    };
    const rows = await this.db.incident.findMany({
      where,
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      take: q.limit + 1,
      include: INCIDENT_WITH_UPDATES,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      rows: page,
      nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.startedAt, id: last.id }) : null,
    };
  }

  /** Incidents resolved since `since` (for the time to recover). */
  resolvedSince(since: Date): Promise<Array<{ service: string; startedAt: Date; resolvedAt: Date | null }>> {
    return this.db.incident.findMany({
      where: { resolvedAt: { gte: since } },
      select: { service: true, startedAt: true, resolvedAt: true },
    });
  }
}
