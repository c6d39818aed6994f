import type { ComponentState } from '@platform/contracts';
import type { Component } from '../generated/prisma/client';
import type { Db } from '../db';
import type { IncidentStep } from '../domain/incidents';
import { INCIDENT_WITH_UPDATES, type IncidentWithUpdates } from './incidents.repository';

export type ComponentRow = Component;

/** What a transition did: nothing (the row already had that state), or the change and the incident it touched. */
export type TransitionResult =
  { applied: false } | { applied: true; from: ComponentState | null; incident: IncidentWithUpdates | undefined };

export interface Bookkeeping {
  service: string;
  consecutiveFailures: number;
  lastCheckedAt: Date;
  lastSeenAt: Date | null;
}

/** Components (one row per service ever seen) and their state changes, with the incidents those open or close. */
export class ComponentsRepository {
  constructor(private readonly db: Db) {}

  all(): Promise<Component[]> {
    return this.db.component.findMany({ orderBy: { service: 'asc' } });
  }

  /**
   * Moves a component to `to` in one transaction: the row is locked and its stored state is the
   * `from` of the change, so two writers (a rolling deploy) record one change and one incident, and
   * a change missed while the database was down is recorded from what was stored. `decide` is given
   * the open incident's impact (or null) and the stored state, and says what happens to the incident.
   */
  transition(t: {
    service: string;
    to: ComponentState;
    at: Date;
    decide: (openImpact: ComponentState | null, from: ComponentState | null) => IncidentStep;
  }): Promise<TransitionResult> {
    return this.db.$transaction(async (tx): Promise<TransitionResult> => {
      const created = await tx.component.createMany({
        data: [{ service: t.service, state: t.to, changedAt: t.at, lastCheckedAt: t.at }],
        skipDuplicates: true,
      });
      let from: ComponentState | null = null;
      if (created.count === 0) {
        const [row] = await tx.$queryRaw<Array<{ state: ComponentState }>>`
          SELECT state::text AS state FROM components WHERE service = ${t.service} FOR UPDATE`;
        if (!row || row.state === t.to) return { applied: false };
        from = row.state;
        await tx.component.update({ where: { service: t.service }, data: { state: t.to, changedAt: t.at } });
      }
      await tx.statusChange.create({ data: { service: t.service, at: t.at, fromState: from, toState: t.to } });
      const open = await tx.incident.findFirst({
        where: { service: t.service, resolvedAt: null },
        orderBy: { startedAt: 'desc' },
      });
      const step = t.decide(open?.impact ?? null, from);
      const update = (message: string) => ({ create: [{ at: t.at, state: t.to, message }] });
      switch (step.kind) {
        case 'none':
          return { applied: true, from, incident: undefined };
        case 'open':
          return {
            applied: true,
            from,
            incident: await tx.incident.create({
              data: {
                service: t.service,
                title: step.title,
                impact: step.impact,
                startedAt: t.at,
                updates: update(step.message),
              },
              include: INCIDENT_WITH_UPDATES,
            }),
          };
        case 'update':
        case 'resolve': {
          if (!open) return { applied: true, from, incident: undefined };
          const data = step.kind === 'update' ? { impact: step.impact } : { resolvedAt: t.at };
          return {
            applied: true,
            from,
            incident: await tx.incident.update({
              where: { id: open.id },
              data: { ...data, updates: update(step.message) },
              include: INCIDENT_WITH_UPDATES,
            }),
          };
        }
      }
    });
  }

  /** Per-poll counters of components whose state did not change. */
  async touch(rows: Bookkeeping[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.$transaction(
      rows.map((r) =>
        this.db.component.updateMany({
          where: { service: r.service },
          data: {
            consecutiveFailures: r.consecutiveFailures,
            lastCheckedAt: r.lastCheckedAt,
            lastSeenAt: r.lastSeenAt,
          },
        }),
      ),
    );
  }

  /** Stops tracking a component: its open incident is resolved with `message`; its history stays until the retention. */
  async forget(service: string, at: Date, message: string): Promise<IncidentWithUpdates | undefined> {
    return this.db.$transaction(async (tx) => {
      await tx.component.deleteMany({ where: { service } });
      const open = await tx.incident.findFirst({ where: { service, resolvedAt: null } });
      if (!open) return undefined;
      return tx.incident.update({
        where: { id: open.id },
        data: { resolvedAt: at, updates: { create: [{ at, state: 'operational', message }] } },
        include: INCIDENT_WITH_UPDATES,
      });
    });
  }
}
