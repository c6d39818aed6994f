import type { BenchResults } from './run';
import { TARGET_NAMES, TARGETS } from './gateway-bench';
import { fmtMiB, fmtNum, fmtRatio, markdownTable, verdict } from './format';

function gatewaySection(r: BenchResults): string[] {
  const g = r.gateway;
  if (!g) return [];
  const rows = TARGETS.filter((t) => g.median[t]).map((t) => {
    const m = g.median[t]!;
    return [
      `(${t}) ${TARGET_NAMES[t]}${t === 'e' ? `, ${g.gatewayWorkers ?? 1} worker${(g.gatewayWorkers ?? 1) > 1 ? 's' : ''}` : ''}`,
      fmtNum(m.rps),
      `${m.p50}`,
      `${m.p99}`,
      fmtRatio(m.rps / (g.median.a?.rps ?? Number.NaN)),
      fmtRatio(m.rps / (g.median.b?.rps ?? Number.NaN)),
      fmtNum(m.cpuMsPerKReq),
    ];
  });
  const ratios = Object.entries(g.ratios).map(([k, v]) => `${k} = ${fmtRatio(v)}`).join(', ');
  const eb = g.ratios['e/b'];
  return [
    `### 1. Gateway overhead (${g.connections} connections, median of ${g.rounds.a.length || g.rounds.e.length} interleaved ${g.durationS} s rounds${g.pinned ? '; proxies pinned to CPU 1, load generator and upstream to CPU 0' : ''})`,
    '',
    markdownTable(['target', 'rps', 'p50 ms', 'p99 ms', 'vs a', 'vs b', 'CPU ms / 1k req'], rows),
    '',
    `Ratios: ${ratios}. CPU is that of the process in front (for a, the upstream itself; for e, its primary and workers), per 1,000 requests.`,
    `Goals: e/b >= 0.40: ${verdict(eb === undefined ? undefined : eb >= 0.4)}; p99(e) - p99(a) = ${fmtNum(g.p99OverDirectMs)} ms <= 10 ms: ${verdict(g.p99OverDirectMs === undefined ? undefined : g.p99OverDirectMs <= 10)}.`,
    '',
  ];
}

function breakerSection(r: BenchResults): string[] {
  const b = r.breaker;
  if (!b) return [];
  return [
    '### 3. Breaker (upstream down, breaker open)',
    '',
    markdownTable(
      ['measure', 'value'],
      [
        ['p50 / p99 at a paced 1,000 req/s (ms)', `${b.paced.p50} / ${b.paced.p99}`],
        ...(b.direct ? [['the bare upstream (a), same pacing: p50 / p99 (ms)', `${b.direct.paced.p50} / ${b.direct.paced.p99}`]] : []),
        ['answers/s at saturation (50 conn.)', fmtNum(b.whileOpen.answered)],
        ['p50 / p99 at saturation (ms)', `${b.whileOpen.p50} / ${b.whileOpen.p99}`],
        ['share of 503 answers', `${Math.round(b.share503 * 100)}%`],
        ['p50 / p99 one at a time (ms)', `${fmtNum(b.probeP50Ms)} / ${fmtNum(b.probeP99Ms)}`],
        ...(b.direct ? [['the bare upstream (a), one at a time: p50 / p99 (ms)', `${fmtNum(b.direct.probeP50Ms)} / ${fmtNum(b.direct.probeP99Ms)}`]] : []),
        ['upstream back -> first 200 (ms)', `${fmtNum(b.recoveryMs)} (breaker reset ${b.breakerResetMs} ms)`],
      ],
    ),
    '',
    `Goal: p99 <= 5 ms (paced 1,000 req/s): ${verdict(b.paced.p99 <= 5)}${b.direct ? ` (the bare upstream's own p99 at that pacing: ${b.direct.paced.p99} ms)` : ''}.`,
    '',
  ];
}

function runsSection(r: BenchResults): string[] {
  const x = r.runs;
  if (!x) return [];
  const rows = x.levels.map((l) => [
    String(l.sessions),
    fmtNum(l.runsPerS),
    `${fmtNum(l.firstEventP50)} / ${fmtNum(l.firstEventP99)}`,
    `${fmtNum(l.messageCompleteP50)} / ${fmtNum(l.messageCompleteP99)}`,
    String(l.runs),
    String(l.failed),
  ]);
  const at20 = x.levels.find((l) => l.sessions === 20);
  const best = Math.max(...x.levels.map((l) => l.runsPerS));
  return [
    '### 2. Run throughput (one-turn runs, offline provider)',
    '',
    `Bare BullMQ no-op worker: ${fmtNum(x.bullmq.jobsPerS)} jobs/s (${x.bullmq.jobs} jobs, concurrency ${x.bullmq.concurrency}). ` +
      `Agent-runner alone (backlog of ${x.runner.runs} runs, WORKER_CONCURRENCY ${r.args.runnerConcurrency ?? 'default'}): ${fmtNum(x.runner.runsPerS)} runs/s = ${x.runnerVsBullmq.toFixed(3)}x bare BullMQ.`,
    '',
    markdownTable(['sessions', 'runs/s', 'first event p50 / p99 ms', 'message_complete p50 / p99 ms', 'runs', 'not completed'], rows),
    '',
    `Goals: runner >= 0.5x BullMQ: ${verdict(x.runnerVsBullmq >= 0.5)}; end to end >= 1,000 runs/s: ${verdict(best >= 1000)}; ` +
      `at 20 sessions first event p50 <= 10 ms: ${verdict(at20 ? at20.firstEventP50 <= 10 : undefined)}, message_complete p99 <= 50 ms: ${verdict(at20 ? at20.messageCompleteP99 <= 50 : undefined)}.`,
    '',
  ];
}

function costSection(r: BenchResults): string[] {
  const c = r.cost;
  if (!c || c.points.length === 0) return [];
  const base = c.points[0]!;
  const rows = c.points.map((p) => [
    fmtNum(p.messages),
    `${fmtNum(p.firstPageMs)} (${fmtRatio(p.firstPageMs / base.firstPageMs)})`,
    `${fmtNum(p.deepPageMs)} (${fmtRatio(p.deepPageMs / base.deepPageMs)})`,
    fmtMiB(p.pageRssGrowth),
    `${fmtNum(p.forkMs)} (${fmtRatio(p.forkMs / base.forkMs)})${p.forkStatus === 201 ? '' : `, answered ${p.forkStatus}`}`,
    `${fmtMiB(p.forkRssGrowth)} (${fmtRatio(p.forkRssGrowth / base.forkRssGrowth)})`,
  ]);
  return [
    '### 4. Cost growth (sessions filled straight in the database; sessions process RSS sampled every 10 ms)',
    '',
    markdownTable(['messages', 'first page ms (vs smallest)', 'page at 90% depth ms', 'page RSS peak growth', 'fork ms (vs smallest)', 'fork RSS peak growth'], rows),
    '',
    'Pages should stay flat; fork time and memory should grow no faster than the message count (10x per row).',
    '',
  ];
}

function sandboxSection(r: BenchResults): string[] {
  const s = r.sandbox;
  if (!s) return [];
  const row = (name: string, l: { p50: number; p99: number; n: number }) => [name, fmtNum(l.p50), fmtNum(l.p99), String(l.n)];
  return [
    '### 5. Sandbox (one command; the shell tool end to end)',
    '',
    markdownTable(
      ['measure', 'p50 ms', 'p99 ms', 'n'],
      [
        row('`/bin/true`, plain spawn (baseline)', s.plainSpawn),
        row('`/bin/true` in the sandbox (namespaces, mounts, limits, quota scan)', s.sandboxed),
        row('`/bin/true` in the sandbox with a network allowlist (egress proxy + bridge)', s.sandboxedWithNetwork),
        row('query `run: true` (?wait=true, through the gateway)', s.shellQuery),
        row('query with a plain answer, same session (baseline)', s.plainQuery),
      ],
    ),
    '',
    `Sandbox overhead per call: p50 ${fmtNum(s.overheadP50)} ms, p99 ${fmtNum(s.overheadP99)} ms. Goal: p50 < 20 ms: ${verdict(s.overheadP50 < 20)}.`,
    '',
  ];
}

/** The whole printout (Markdown): machine, then one section per part that ran. */
export function renderReport(r: BenchResults): string {
  const m = r.machine;
  return [
    `## Benchmark ${r.date.slice(0, 10)}`,
    '',
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memGiB} GiB, Node ${m.node}${m.haproxy ? `, HAProxy ${m.haproxy}` : ''}; load average at start ${m.loadAvg.join(' / ')}.`,
    '',
    ...gatewaySection(r),
    ...runsSection(r),
    ...breakerSection(r),
    ...costSection(r),
    ...sandboxSection(r),
  ].join('\n');
}
