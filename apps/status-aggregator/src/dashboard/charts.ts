import { clock, escapeHtml, num } from './format';

export interface ChartSeries {
  name: string;
  points: Array<{ t: number; v: number | null }>;
}

/** Distinguishable line colours (Okabe–Ito), by series index. */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#999999'];

const W = 640;
const H = 200;
const PAD = { left: 48, right: 12, top: 12, bottom: 24 };

/** The smallest "nice" number (1, 2, 5 × 10^n) at or above `x`. */
export function niceCeil(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].find((m) => m * p >= x) ?? 10) * p;
}

/**
 * A line chart as an SVG string: one line per series over a shared time axis, gaps where a value is
 * missing, four gridlines with labels in `unit`. Colours are presentation attributes, not styles, so
 * the page's CSP (no inline styles) allows them.
 */
export function lineChart(o: { title: string; unit: string; series: ChartSeries[] }): string {
  const all = o.series.flatMap((s) => s.points);
  const values = all.flatMap((p) => (p.v === null ? [] : [p.v]));
  if (values.length === 0) return `<p class="empty">No ${escapeHtml(o.title.toLowerCase())} data yet.</p>`;
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  const top = niceCeil(Math.max(...values));
  const x = (t: number) => PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const gy = y(top * f).toFixed(1);
    return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${gy}" y2="${gy}" class="grid"/><text x="${PAD.left - 6}" y="${gy}" class="axis" text-anchor="end" dominant-baseline="middle">${num(top * f)}</text>`;
  });
  const lines = o.series.map((s, i) => {
    const segments: Array<Array<[number, number]>> = [[]];
    for (const p of [...s.points].sort((a, b) => a.t - b.t)) {
      if (p.v === null) segments.push([]);
      else segments[segments.length - 1]?.push([x(p.t), y(p.v)]);
    }
    const colour = PALETTE[i % PALETTE.length] ?? '#000';
    const xy = ([px, py]: [number, number]) => `${px.toFixed(1)},${py.toFixed(1)}`;
    return segments
      .map((seg) => {
        const [first] = seg;
        if (!first) return '';
        if (seg.length === 1)
          return `<circle cx="${first[0].toFixed(1)}" cy="${first[1].toFixed(1)}" r="2.5" fill="${colour}"/>`;
        return `<polyline points="${seg.map(xy).join(' ')}" fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round"/>`;
      })
      .join('');
  });
  const legend = o.series
    .map(
      (s, i) =>
        `<li><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${PALETTE[i % PALETTE.length] ?? '#000'}"/></svg>${escapeHtml(s.name)}</li>`,
    )
    .join('');
  return (
    `<figure class="chart"><figcaption>${escapeHtml(o.title)} <span class="unit">(${escapeHtml(o.unit)})</span></figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}">${grid.join('')}${lines.join('')}` +
    `<text x="${PAD.left}" y="${H - 6}" class="axis">${clock(t0)}</text><text x="${W - PAD.right}" y="${H - 6}" class="axis" text-anchor="end">${clock(t1)}</text></svg>` +
    `<ul class="legend">${legend}</ul></figure>`
  );
}
