import type { BenchResults } from './run';
import { TARGET_NAMES, TARGETS } from './gateway-bench';
import { fmtNum, fmtRatio, markdownTable, verdict } from './format';

function gatewaySection(r: BenchResults): string[] {
  const g = r.gateway;
  if (!g) return [];
  const rows = TARGETS.filter((t) => g.median[t]).map((t) => {
    const m = g.median[t]!;
    return [`(${t}) ${TARGET_NAMES[t]}`, fmtNum(m.rps), `${m.p50}`, `${m.p99}`, fmtRatio(m.rps / (g.median.a?.rps ?? Number.NaN)), fmtRatio(m.rps / (g.median.b?.rps ?? Number.NaN))];
  });
  const ratios = Object.entries(g.ratios).map(([k, v]) => `${k} = ${fmtRatio(v)}`).join(', ');
  const eb = g.ratios['e/b'];
  return [
    `### 1. Gateway overhead (${g.connections} connections, median of ${g.rounds.a.length || g.rounds.e.length} interleaved ${g.durationS} s rounds)`,
    '',
    markdownTable(['target', 'rps', 'p50 ms', 'p99 ms', 'vs a', 'vs b'], rows),
    '',
    `Ratios: ${ratios}.`,
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
        ['answers/s under load (50 conn.)', fmtNum(b.whileOpen.answered)],
        ['p50 / p99 under load (ms)', `${b.whileOpen.p50} / ${b.whileOpen.p99}`],
        ['share of 503 answers', `${Math.round(b.share503 * 100)}%`],
        ['p50 / p99 one at a time (ms)', `${fmtNum(b.probeP50Ms)} / ${fmtNum(b.probeP99Ms)}`],
        ['upstream back -> first 200 (ms)', `${fmtNum(b.recoveryMs)} (breaker reset ${b.breakerResetMs} ms)`],
      ],
    ),
    '',
    `Goal: p99 <= 5 ms under load: ${verdict(b.whileOpen.p99 <= 5)}.`,
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
    ...breakerSection(r),
  ].join('\n');
}
