import type { Component, ComponentState, Incident, MetricsPoint, QueueDepth } from '@platform/contracts';
import { lineChart } from './charts';
import { ago, clock, duration, escapeHtml, percent, stateLabel } from './format';

/** The banner: the platform's state in words (what the required components add up to). */
export function renderBanner(status: ComponentState | null, components: Component[]): string {
  if (status === null) return '<p>Waiting for the first status…</p>';
  const affected = components.filter((c) => c.state !== 'operational').map((c) => c.name);
  const text = status === 'operational' ? 'All systems operational' : `${stateLabel(status)}: ${affected.join(', ')}`;
  return `<p class="state-${status}" data-state="${status}">${escapeHtml(text)}</p>`;
}

const field = (label: string, value: string) => `<div><dt>${label}</dt><dd>${value}</dd></div>`;

function instancesList(c: Component): string {
  if (!c.instance_details || c.instance_details.length === 0) return '';
  const items = c.instance_details.map((i) => {
    const why = i.error ? ` — ${escapeHtml(i.error)}` : '';
    return `<li class="health-${i.health}"><span class="id">${escapeHtml(i.instance_id)}</span> ${escapeHtml(i.health)}, ${i.latency_ms} ms${why}</li>`;
  });
  return `<ul class="instances" aria-label="Instances of ${escapeHtml(c.name)}">${items.join('')}</ul>`;
}

/** One card per service: state, instances, uptime, failures, recovery, last change (and instances for admins). */
export function renderCards(components: Component[], now: number): string {
  if (components.length === 0) return '<p class="empty">No service known yet.</p>';
  return components
    .map((c) => {
      const name = escapeHtml(c.name);
      return (
        `<article class="card state-${c.state}" data-service="${name}" data-state="${c.state}">` +
        `<header><h3>${name}</h3><span class="badge">${stateLabel(c.state)}</span></header>` +
        `<dl>${[
          field('Instances', `${c.instances.up} / ${c.instances.total} up`),
          field('Uptime 24 h', percent(c.uptime_24h)),
          field('Uptime 7 d', percent(c.uptime_7d)),
          field('Failed polls in a row', String(c.consecutive_failures)),
          field('Mean time to recover', duration(c.mean_time_to_recover_ms)),
          field(
            'Last change',
            `<time datetime="${escapeHtml(c.last_change_at)}" title="${escapeHtml(c.last_change_at)}">${ago(c.last_change_at, now)}</time>`,
          ),
        ].join('')}</dl>` +
        `${c.required ? '' : '<p class="note">Not required for the platform status</p>'}${instancesList(c)}</article>`
      );
    })
    .join('');
}

/** Queue depths as a table, plus the channels count. */
export function renderQueues(queues: QueueDepth[], channelsCount: number | null): string {
  const channels = `<p class="channels">Channels: <strong>${channelsCount === null ? 'unknown' : channelsCount}</strong></p>`;
  if (queues.length === 0) return `<p class="empty">No queue depth read yet.</p>${channels}`;
  const rows = queues
    .map(
      (q) =>
        `<tr data-queue="${escapeHtml(q.name)}"><th scope="row">${escapeHtml(q.name)}</th><td>${q.waiting}</td><td>${q.active}</td><td>${q.delayed}</td><td>${q.failed}</td></tr>`,
    )
    .join('');
  return `<table class="queues"><thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Active</th><th scope="col">Delayed</th><th scope="col">Failed</th></tr></thead><tbody>${rows}</tbody></table>${channels}`;
}

/** Open incidents first, then recent resolved ones; admins see the timeline. */
export function renderIncidents(incidents: Incident[]): string {
  if (incidents.length === 0) return '<p class="empty">No incidents.</p>';
  const open = incidents.filter((i) => i.status === 'open');
  const resolved = incidents.filter((i) => i.status === 'resolved');
  const item = (i: Incident) => {
    const when =
      i.status === 'open'
        ? `since ${clock(i.started_at)}`
        : `${clock(i.started_at)}, lasted ${duration(i.duration_ms)}`;
    const updates = (i.updates ?? [])
      .slice(-4)
      .map((u) => `<li><time>${clock(u.at)}</time> ${escapeHtml(u.message)}</li>`)
      .join('');
    return (
      `<li class="incident ${i.status} state-${i.impact}" data-incident="${escapeHtml(i.id)}">` +
      `<strong>${escapeHtml(i.title)}</strong> <span class="when">${escapeHtml(when)}</span>` +
      `${updates ? `<ol class="timeline">${updates}</ol>` : ''}</li>`
    );
  };
  const section = (title: string, list: Incident[]) =>
    list.length ? `<h3>${title}</h3><ul class="incidents">${list.map(item).join('')}</ul>` : '';
  return section('Open', open) + section('Recent', resolved);
}

/** Request rate and p95 latency charts (admins), one line per service. */
export function renderCharts(metrics: Map<string, MetricsPoint[]>, admin: boolean): string {
  if (!admin) return '<p class="empty">Sign in as an admin to see request rate and latency.</p>';
  const names = [...metrics.keys()].sort();
  const series = (pick: (p: MetricsPoint) => number | null) =>
    names.map((name) => ({
      name,
      points: (metrics.get(name) ?? []).map((p) => ({ t: Date.parse(p.at), v: pick(p) })),
    }));
  return (
    lineChart({ title: 'Request rate', unit: 'requests/s', series: series((p) => p.requests_per_s) }) +
    lineChart({ title: 'Latency p95', unit: 'ms', series: series((p) => p.latency_p95_ms) })
  );
}
