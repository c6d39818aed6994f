/** Numbers and tables for the benchmark's printout and docs/benchmarks.md (one Markdown table serves both). */

/** 38612 -> "38.6k", 912.4 -> "912", 3.14159 -> "3.14", NaN/undefined -> "–". */
export function fmtNum(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (abs >= 100) return String(Math.round(n));
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** A ratio to two decimals with an `x`: 0.4234 -> "0.42x". */
export function fmtRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '–' : `${r.toFixed(2)}x`;
}

/** Bytes as MiB with one decimal. */
export function fmtMiB(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) ? '–' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `num / den`, or undefined when either is missing or the denominator is 0. */
export function ratio(num: number | undefined, den: number | undefined): number | undefined {
  return num === undefined || den === undefined || den === 0 ? undefined : num / den;
}

/** A goal check: "yes"/"NO" for met/missed, "–" when not measured. */
export function verdict(met: boolean | undefined): string {
  return met === undefined ? '–' : met ? 'yes' : 'NO';
}

/** A Markdown table with columns padded to equal width (readable in a terminal as is). */
export function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
