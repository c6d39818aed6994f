import { z } from 'zod';
import { QueryAcceptedResponseSchema, RunSchema, TERMINAL_RUN_STATUSES, type Run } from '@platform/contracts';
import type { JsonClient } from '@platform/testing';
import { waitUntil } from '../../../tests/support/platform';
import { SESSIONS } from '../../../tests/support/sessions';

const RunPageSchema = z.object({ items: z.array(RunSchema), next_cursor: z.string().nullable() });

/**
 * Every query the platform accepted (answered 202) during a test, by run id, so the test can demand
 * that each one ends in a terminal run state: an accepted query is a promise the platform must keep.
 */
export class AcceptedRuns {
  private readonly runs = new Map<string, string>();

  /** Notes the run of a 202 answer to a query of `sessionId`; other answers are ignored. */
  note(sessionId: string, res: { status: number; text: string }): void {
    if (res.status !== 202) return;
    this.runs.set(QueryAcceptedResponseSchema.parse(JSON.parse(res.text)).run_id, sessionId);
  }

  get size(): number {
    return this.runs.size;
  }

  /** The latest state of every accepted run (reading each session's run list). */
  async states(as: JsonClient): Promise<Map<string, Run | undefined>> {
    const found = new Map<string, Run>();
    for (const sessionId of new Set(this.runs.values())) {
      let cursor: string | undefined;
      do {
        const res = await as.get(`${SESSIONS}/${sessionId}/runs`, { query: { limit: 100, cursor } });
        if (res.status !== 200) throw new Error(`GET runs answered ${res.status}: ${res.text.slice(0, 300)}`);
        const page = RunPageSchema.parse(res.body);
        for (const run of page.items) found.set(run.id, run);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
    }
    return new Map([...this.runs.keys()].map((id) => [id, found.get(id)]));
  }

  /** Waits until every accepted run is terminal; returns how many ended in each status (`missing` if none was found). */
  async settle(as: JsonClient, timeoutMs: number): Promise<Record<string, number>> {
    let last = new Map<string, Run | undefined>();
    const isOver = (r: Run | undefined) => r !== undefined && TERMINAL_RUN_STATUSES.includes(r.status);
    await waitUntil(
      `all ${this.runs.size} accepted runs are terminal`,
      async () => {
        last = await this.states(as);
        return [...last.values()].every(isOver);
      },
      timeoutMs,
      1000,
    ).catch(() => undefined);
    const tally: Record<string, number> = {};
    for (const run of last.values()) tally[run?.status ?? 'missing'] = (tally[run?.status ?? 'missing'] ?? 0) + 1;
    return tally;
  }
}
