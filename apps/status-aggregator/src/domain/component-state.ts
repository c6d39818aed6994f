import type { ComponentState, InstanceHealth, InstanceStatus, ReadyResponse } from '@platform/contracts';

const RANK: Record<ComponentState, number> = {
  operational: 0,
  degraded_performance: 1,
  partial_outage: 2,
  major_outage: 3,
};

/** The worse of two states. */
export const worse = (a: ComponentState, b: ComponentState): ComponentState => (RANK[b] > RANK[a] ? b : a);

/** The worst of `states`; operational for none. */
export const worstOf = (states: Iterable<ComponentState>): ComponentState => {
  let out: ComponentState = 'operational';
  for (const s of states) out = worse(out, s);
  return out;
};

export const isOutage = (s: ComponentState): boolean => s === 'partial_outage' || s === 'major_outage';

/** What one readiness probe saw: an HTTP answer (with its body when it was the ready document) or a failure. */
export type ProbeOutcome =
  | { kind: 'answered'; status: number; body: ReadyResponse | undefined; latencyMs: number }
  | { kind: 'failed'; reason: string; latencyMs: number };

/**
 * One instance's health from its probe: `up` on 200; `impaired` when it answered 503 listing some
 * (not all) of its dependency checks as failing, so it still serves part of its work; `down` for
 * anything else, including a draining instance (its `shutdown` check fails).
 */
export function classifyProbe(o: ProbeOutcome): { health: InstanceHealth; failingChecks: string[]; error?: string } {
  if (o.kind === 'failed') return { health: 'down', failingChecks: [], error: o.reason };
  if (o.status === 200) return { health: 'up', failingChecks: [] };
  const checks = o.body?.checks ?? [];
  const failing = checks.filter((c) => !c.ok);
  const failingChecks = failing.map((c) => c.name);
  const error = failing.map((c) => `${c.name}: ${c.error ?? 'failing'}`).join('; ') || `answered ${o.status}`;
  const draining = failingChecks.includes('shutdown');
  const impaired = o.status === 503 && !draining && failing.length > 0 && failing.length < checks.length;
  return { health: impaired ? 'impaired' : 'down', failingChecks, error };
}

/**
 * A component's state from its instances: none serving → major outage; some not serving → partial
 * outage; all serving but some impaired or slow (probe latency ≥ `slowMs`) → degraded performance.
 */
export function componentState(
  instances: Pick<InstanceStatus, 'health' | 'latency_ms'>[],
  slowMs: number,
): ComponentState {
  const down = instances.filter((i) => i.health === 'down').length;
  if (down === instances.length) return 'major_outage';
  if (down > 0) return 'partial_outage';
  const slow = instances.some((i) => i.latency_ms >= slowMs);
  if (slow || instances.some((i) => i.health === 'impaired')) return 'degraded_performance';
  return 'operational';
}

/** The platform's state: the worst of its required components (a required one never seen counts as down). */
export function platformState(
  components: ReadonlyMap<string, ComponentState>,
  required: readonly string[],
): ComponentState {
  return worstOf(required.map((name) => components.get(name) ?? 'major_outage'));
}

/** Consecutive polls in which at least one probe failed or no instance was registered; 0 after a clean poll. */
export function nextConsecutiveFailures(previous: number, instances: Pick<InstanceStatus, 'health'>[]): number {
  const failed = instances.length === 0 || instances.some((i) => i.health !== 'up');
  return failed ? previous + 1 : 0;
}

const LABEL: Record<ComponentState, string> = {
  operational: 'operational',
  degraded_performance: 'degraded performance',
  partial_outage: 'partial outage',
  major_outage: 'major outage',
};

/** Human wording of a state ("partial outage"). */
export const stateLabel = (s: ComponentState): string => LABEL[s];

/** One line for the platform banner and the production status. */
export function platformDescription(status: ComponentState, components: ReadonlyMap<string, ComponentState>): string {
  if (status === 'operational') return 'All systems operational';
  const affected = [...components]
    .filter(([, s]) => s !== 'operational')
    .map(([n]) => n)
    .sort();
  const label = LABEL[status];
  return `${label.charAt(0).toUpperCase()}${label.slice(1)}: ${affected.join(', ')}`;
}
