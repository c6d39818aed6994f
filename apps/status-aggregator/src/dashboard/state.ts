import type {
  Component,
  ComponentState,
  Incident,
  MetricsPoint,
  QueueDepth,
  StatusStreamEvent,
} from '@platform/contracts';

/** Everything the page shows, as built from the stream (and the incidents list). */
export interface ViewState {
  status: ComponentState | null;
  components: Map<string, Component>;
  queues: QueueDepth[];
  channelsCount: number | null;
  metrics: Map<string, MetricsPoint[]>;
  incidents: Incident[];
  /** When the last stream event arrived (ms). */
  lastEventAt: number | null;
}

export type Section = 'banner' | 'cards' | 'queues' | 'charts' | 'incidents';

export const emptyState = (): ViewState => ({
  status: null,
  components: new Map(),
  queues: [],
  channelsCount: null,
  metrics: new Map(),
  incidents: [],
  lastEventAt: null,
});

/** Points kept per service in the browser (the server keeps its own window). */
export const MAX_POINTS = 120;

/**
 * Applies one stream event to `s` (in place) and says which sections of the page must be drawn
 * again; `incidents` means the list should be fetched again.
 */
export function applyEvent(s: ViewState, e: StatusStreamEvent, now: number): Set<Section> {
  s.lastEventAt = now;
  switch (e.type) {
    case 'snapshot':
      s.status = e.status;
      s.components = new Map(e.components.map((c) => [c.name, c]));
      s.queues = e.queues;
      s.channelsCount = e.channels_count;
      s.metrics = new Map((e.metrics ?? []).map((m) => [m.service, m.points.slice(-MAX_POINTS)]));
      return new Set<Section>(['banner', 'cards', 'queues', 'charts', 'incidents']);
    case 'component': {
      s.components.set(e.component.name, e.component);
      const moved = e.previous !== e.component.state;
      return new Set<Section>(moved ? ['cards', 'incidents'] : ['cards']);
    }
    case 'platform':
      s.status = e.status;
      return new Set<Section>(['banner']);
    case 'incident':
      return new Set<Section>(['incidents']);
    case 'queues':
      s.queues = e.queues;
      return new Set<Section>(['queues']);
    case 'metrics':
      for (const m of e.services) {
        const points = [...(s.metrics.get(m.service) ?? []), ...m.points];
        s.metrics.set(m.service, points.slice(-MAX_POINTS));
      }
      return new Set<Section>(['charts']);
  }
}
