import pg from 'pg';
import { call } from './accounts';
import { startAgentsRig, SESSIONS, type AgentsRig } from './agents-rig';
import { median } from './load';
import { withRssPeak } from './processes';

export interface CostPoint {
  messages: number;
  /** Median time of the first page (50 messages), and of a page at 90% depth (`cursor`), in ms. */
  firstPageMs: number;
  deepPageMs: number;
  /** Peak RSS growth of sessions while serving the pages (bytes). */
  pageRssGrowth: number;
  forkMs: number;
  /** Peak RSS growth of sessions during the fork (bytes). */
  forkRssGrowth: number;
  forkStatus: number;
}

export interface CostReport {
  points: CostPoint[];
}

const PAGE = 50;
const REPEATS = 15;

/** Fills a session with `n` messages straight in its database, in one statement (alternating user/assistant text). */
async function fill(databaseUrl: string, sessionId: string, n: number): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO messages (id, session_id, run_id, seq, role, content, turn, created_at)
       SELECT gen_random_uuid(), $1, NULL, g, CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END,
              jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'message ' || g || ': ' || repeat('lorem ipsum dolor sit amet ', 8))),
              NULL, now() - interval '1 day' + g * interval '1 ms'
       FROM generate_series(1, $2::int) AS g`,
      [sessionId, n],
    );
    await db.query('UPDATE sessions SET message_seq = $2, message_count = $2 WHERE id = $1', [sessionId, n]);
  } finally {
    await db.end();
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function point(rig: AgentsRig, n: number, log: (l: string) => void): Promise<CostPoint> {
  const sessions = rig.platform.sessions!;
  const [id] = await rig.createSessions(1, `cost ${n}`);
  await fill(rig.platform.sessionsDbUrl!, id!, n);
  const token = rig.user.token;
  const page = (cursor?: string) => call(rig.gateway, 'GET', `${SESSIONS}/${id}/messages?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`, { token, expect: 200 });
  const deep = String(Math.floor(n * 0.9));
  const pages = await withRssPeak(sessions.pid, async () => {
    const first: number[] = [];
    const deepest: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      first.push(await timed(() => page()));
      deepest.push(await timed(() => page(deep)));
    }
    return { first: median(first), deep: median(deepest) };
  });
  let forkStatus = 0;
  const fork = await withRssPeak(sessions.pid, () =>
    timed(async () => {
      const res = await fetch(`${rig.gateway}${SESSIONS}/${id}/fork`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      forkStatus = res.status;
      await res.arrayBuffer();
    }),
  );
  const p: CostPoint = {
    messages: n,
    firstPageMs: pages.value.first,
    deepPageMs: pages.value.deep,
    pageRssGrowth: pages.peak - pages.before,
    forkMs: fork.value,
    forkRssGrowth: fork.peak - fork.before,
    forkStatus,
  };
  log(`  ${n} messages: first page ${p.firstPageMs.toFixed(1)} ms, deep page ${p.deepPageMs.toFixed(1)} ms, fork ${p.forkMs.toFixed(0)} ms (${forkStatus}), fork RSS +${(p.forkRssGrowth / 2 ** 20).toFixed(1)} MiB`);
  return p;
}

/** Part 4: page and fork costs for sessions of growing size. */
export async function costBench(o: { sizes: number[] }, log: (l: string) => void, shared?: AgentsRig): Promise<CostReport> {
  const rig = shared ?? (await startAgentsRig());
  try {
    const points: CostPoint[] = [];
    for (const n of o.sizes) points.push(await point(rig, n, log));
    return { points };
  } finally {
    if (!shared) await rig.stop();
  }
}
