import { Queue } from 'bullmq';
import { AGENT_RUNS_QUEUE } from '@platform/contracts';
import { testRedisUrl } from '@platform/testing';
import { bareBullmq, type BareQueueResult } from './bullmq-bare';
import { startAgentsRig, type AgentsRig } from './agents-rig';
import { percentile } from './load';
import { SessionDriver, type RunTiming } from './session-driver';
import { call } from './accounts';
import { SESSIONS } from './agents-rig';

export interface RunsLevel {
  sessions: number;
  runs: number;
  failed: number;
  runsPerS: number;
  firstEventP50: number;
  firstEventP99: number;
  messageCompleteP50: number;
  messageCompleteP99: number;
}

export interface RunsReport {
  bullmq: BareQueueResult;
  /** The runner draining a backlog of queued one-turn runs (BullMQ's processedOn/finishedOn of its jobs). */
  runner: { runs: number; runsPerS: number };
  levels: RunsLevel[];
  runnerVsBullmq: number;
}

export interface RunsOptions {
  concurrency: number[];
  durationS: number;
  /** Runs queued at once for the runner-alone figure. */
  backlog?: number;
}

const MESSAGE = 'hello';

/** Part 2, end to end: each of `n` sessions sends one-turn queries back to back for `durationS`. */
async function level(rig: AgentsRig, sessions: string[], durationS: number, log: (l: string) => void): Promise<RunsLevel> {
  const drivers = await Promise.all(sessions.map((id) => SessionDriver.open(rig.gateway, rig.user.token, id)));
  const timings: RunTiming[] = [];
  let failed = 0;
  try {
    await Promise.all(drivers.map((d) => d.run(MESSAGE))); // warm-up: one run each, not counted
    const t0 = performance.now();
    const end = t0 + durationS * 1000;
    await Promise.all(
      drivers.map(async (d) => {
        while (performance.now() < end) {
          const t = await d.run(MESSAGE);
          if (t.terminal === 'run_completed') timings.push(t);
          else failed++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const first = timings.map((t) => t.firstEventMs);
    const complete = timings.map((t) => t.messageCompleteMs).filter(Number.isFinite);
    const out: RunsLevel = {
      sessions: sessions.length,
      runs: timings.length,
      failed,
      runsPerS: timings.length / seconds,
      firstEventP50: percentile(first, 50),
      firstEventP99: percentile(first, 99),
      messageCompleteP50: percentile(complete, 50),
      messageCompleteP99: percentile(complete, 99),
    };
    log(`  ${out.sessions} sessions: ${out.runsPerS.toFixed(0)} runs/s, first event p50 ${out.firstEventP50.toFixed(1)} ms, message_complete p50 ${out.messageCompleteP50.toFixed(1)} / p99 ${out.messageCompleteP99.toFixed(1)} ms${failed ? `, ${failed} not completed` : ''}`);
    return out;
  } finally {
    for (const d of drivers) d.close();
  }
}

/** The runner alone: `n` runs queued at once (one per session), drained; rate from BullMQ's own timestamps. */
async function runnerBacklog(rig: AgentsRig, sessions: string[]): Promise<{ runs: number; runsPerS: number }> {
  const runIds = new Set<string>();
  for (let i = 0; i < sessions.length; i += 50) {
    const accepted = await Promise.all(
      sessions.slice(i, i + 50).map((id) => call<{ run_id: string }>(rig.gateway, 'POST', `${SESSIONS}/${id}/query`, { token: rig.user.token, body: { message: MESSAGE }, expect: 202 })),
    );
    for (const a of accepted) runIds.add(a.run_id);
  }
  const queue = new Queue(AGENT_RUNS_QUEUE, { connection: { url: testRedisUrl() }, prefix: rig.platform.agentsPrefix.slice(0, -1) });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const done = (await queue.getJobs(['completed', 'failed'], 0, -1)).filter((j) => runIds.has(j.id ?? ''));
      if (done.length >= runIds.size || Date.now() > deadline) {
        const start = Math.min(...done.map((j) => j.processedOn ?? Infinity));
        const end = Math.max(...done.map((j) => j.finishedOn ?? 0));
        return { runs: done.length, runsPerS: done.length / Math.max(0.001, (end - start) / 1000) };
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await queue.close();
  }
}

export async function runsBench(o: RunsOptions, log: (l: string) => void, shared?: AgentsRig): Promise<RunsReport> {
  const bullmq = await bareBullmq(20_000, 50);
  log(`  bare BullMQ no-op worker: ${bullmq.jobsPerS.toFixed(0)} jobs/s (${bullmq.jobs} jobs, concurrency ${bullmq.concurrency})`);
  const rig = shared ?? (await startAgentsRig());
  try {
    const most = Math.max(...o.concurrency, o.backlog ?? 200);
    const sessions = await rig.createSessions(most, 'runs');
    const levels: RunsLevel[] = [];
    for (const n of o.concurrency) levels.push(await level(rig, sessions.slice(0, n), o.durationS, log));
    const runner = await runnerBacklog(rig, sessions.slice(0, o.backlog ?? 200));
    log(`  runner alone (backlog of ${runner.runs} runs): ${runner.runsPerS.toFixed(0)} runs/s`);
    return { bullmq, runner, levels, runnerVsBullmq: runner.runsPerS / bullmq.jobsPerS };
  } finally {
    if (!shared) await rig.stop();
  }
}
