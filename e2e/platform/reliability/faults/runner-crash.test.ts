import fs from 'node:fs/promises';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import type { Session } from '../../tests/support/accounts';
import type { ServiceProcess } from '@platform/testing';
import { startPlatform, type Platform } from '../../tests/support/platform';
import { createSession, runQuery, startQuery } from '../../tests/support/sessions';
import { must, writeFigures } from './support/figures';
import { ownerOfMany } from './support/owner';
import { differences, recordOf } from './support/run-record';
import { SessionWatch } from './support/session-watch';

jest.setTimeout(150_000);

/**
 * 50 runs in flight when the agent-runner is killed with SIGKILL, twice, at random moments, and
 * restarted each time. The offline model is slowed down so every run streams for seconds; locks are
 * short so the restarted runner takes the runs over within seconds, and it runs all 50 at once.
 */
const RUNS = 50;
const QUERY = 'list the files';
let platform: Platform;
let runner: ServiceProcess;
let owner: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'rel-runner-crash',
    sessions: true,
    // One owner watches all 50 runs' streams at once.
    gatewayEnv: { MAX_STREAMS_PER_USER: String(RUNS + 10) },
    runnerEnv: {
      // ~5.6 s a run (14 words): the first kill (up to 1.5 s after the last run started) finds every run still going.
      OFFLINE_DELAY_MS: '400',
      LOCK_DURATION_MS: '4000',
      STALLED_INTERVAL_MS: '1000',
      WORKER_CONCURRENCY: String(RUNS),
    },
  });
  runner = must(platform.runner, 'the runner');
  owner = await ownerOfMany(platform, 'crash', RUNS + 1);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

const token = () => owner.tokens.access_token;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sessionWithFiles(name: string): Promise<string> {
  const session = await createSession(owner.as, { name });
  const dir = path.join(must(platform.workdirRoot, 'WORKDIR_ROOT'), session.id);
  await fs.mkdir(path.join(dir, 'src'), { recursive: true });
  await fs.writeFile(path.join(dir, 'README.md'), '# crash test\n');
  return session.id;
}

/** SIGKILL, then a restart; how many runs were still going, and how long the runner was away. */
async function killAndRestart(watch: SessionWatch): Promise<{ in_flight: number; down_ms: number }> {
  await runner.kill();
  const killed = performance.now();
  const inFlight = watch.unfinished().length;
  await runner.restart();
  return { in_flight: inFlight, down_ms: Math.round(performance.now() - killed) };
}

describe('the agent-runner killed with SIGKILL twice while 50 runs are in flight', () => {
  it('ends all 50 runs completed exactly once, with no message, tool call or event duplicated or missing', async () => {
    const referenceSession = await sessionWithFiles('reference');
    const referenceRun = await runQuery(owner.as, referenceSession, QUERY);
    const reference = await recordOf(owner.as, platform.gateway.url, token(), referenceSession, referenceRun.id);

    const sessionIds: string[] = [];
    for (let i = 0; i < RUNS; i += 10)
      sessionIds.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => sessionWithFiles(`run-${i + j}`)))));
    const watch = await SessionWatch.open(platform.gateway.url, token(), sessionIds);
    const started = performance.now();
    const kills: Array<{ after_ms: number; in_flight: number; down_ms: number }> = [];
    let runs: Array<{ sessionId: string; runId: string }>;
    try {
      runs = await Promise.all(
        sessionIds.map(async (sessionId) => ({
          sessionId,
          runId: (await startQuery(owner.as, sessionId, QUERY)).run_id,
        })),
      );
      await watch.progressed(0, RUNS);
      // First kill: a random moment while the first answers stream.
      await sleep(randomInt(300, 1500));
      kills.push({ after_ms: Math.round(performance.now() - started), ...(await killAndRestart(watch)) });
      // Second kill: a random moment after the restarted runner took the runs over and streams again.
      await watch.progressed(watch.total, RUNS);
      await sleep(randomInt(200, 1200));
      kills.push({ after_ms: Math.round(performance.now() - started), ...(await killAndRestart(watch)) });
      await watch.allEnded(90_000);
    } finally {
      await watch.close();
    }
    const endedMs = Math.round(performance.now() - started);

    const records = await Promise.all(
      runs.map((r) => recordOf(owner.as, platform.gateway.url, token(), r.sessionId, r.runId)),
    );
    const problems: Record<string, string[]> = {};
    records.forEach((record) => {
      const found = differences(record, reference, watch.events(record.run.session_id));
      if (found.length > 0) problems[record.run.session_id] = found;
    });
    const statuses = records.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.run.status]: (acc[r.run.status] ?? 0) + 1 }),
      {},
    );
    writeFigures('runner-crash', {
      runs: RUNS,
      faults_injected: kills.length,
      kills,
      all_ended_after_ms: endedMs,
      run_statuses: statuses,
      events_checked: records.reduce((n, r) => n + r.events.length, 0),
      messages_checked: records.reduce((n, r) => n + r.messages.length, 0),
      tool_calls_checked: records.reduce((n, r) => n + r.toolCalls.length, 0),
      runs_with_problems: Object.keys(problems).length,
      problems,
    });

    expect(problems).toEqual({});
    expect(statuses).toEqual({ completed: RUNS });
    // Each kill hit runs that were still going (the first one, all of them).
    const [first, second] = kills.map((k) => k.in_flight);
    expect(first).toBe(RUNS);
    expect(second).toBeGreaterThan(0);
  });
});
