import type { ComponentState } from '@platform/contracts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and quoted attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const LABELS: Record<ComponentState, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

export const stateLabel = (s: ComponentState): string => LABELS[s];

/** `0.99953` → `99.95 %` (never rounded up to 100 % unless it is); `—` when unknown. */
export function percent(ratio: number | null): string {
  if (ratio === null) return '—';
  const floored = Math.floor(ratio * 10_000) / 100;
  return `${floored.toFixed(2)} %`;
}

/** A duration in its two largest units: `45 s`, `3 min 20 s`, `2 h 5 min`, `1 d 3 h`; `—` when unknown. */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago `iso` was, relative to `now`: `just now`, `12 s ago`, `3 min ago`, `2 h ago`, `4 d ago`. */
export function ago(iso: string, now: number): string {
  const ms = Math.max(0, now - Date.parse(iso));
  if (ms < 5000) return 'just now';
  return `${duration(ms).split(' ').slice(0, 2).join(' ')} ago`;
}

/** `HH:MM:SS` in the viewer's time zone. */
export function clock(t: number | string): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A number with at most `digits` decimals, no trailing zeros: `1.5`, `12`, `0.25`. */
export function num(n: number, digits = 2): string {
  return String(Math.round(n * 10 ** digits) / 10 ** digits);
}
