import type { ComponentState } from '@platform/contracts';
import { isOutage, stateLabel, worse } from './component-state';

/** What a component's state change does to its incident. */
export type IncidentStep =
  | { kind: 'none' }
  | { kind: 'open'; impact: ComponentState; title: string; message: string }
  | { kind: 'update'; impact: ComponentState; message: string }
  | { kind: 'resolve'; message: string };

/**
 * The incident rule: entering a partial or major outage opens one (unless one is open); while one is
 * open every change is recorded on it and its impact is the worst state reached; it resolves only
 * when the component is operational again (degraded performance keeps it open, as recovering).
 */
export function incidentStep(o: {
  service: string;
  previous: ComponentState | null;
  next: ComponentState;
  /** The open incident's impact, if one is open. */
  openImpact: ComponentState | null;
  /** Why, in a few words ("1 of 2 instances not serving"). */
  detail: string;
}): IncidentStep {
  const { service, previous, next, openImpact, detail } = o;
  const what = `${service} ${previous === null ? 'is' : 'entered'} ${stateLabel(next)}: ${detail}`;
  if (openImpact === null) {
    if (!isOutage(next)) return { kind: 'none' };
    return { kind: 'open', impact: next, title: `${service}: ${stateLabel(next)}`, message: what };
  }
  if (next === 'operational') return { kind: 'resolve', message: `${service} is operational again` };
  if (next === previous) return { kind: 'none' };
  return { kind: 'update', impact: worse(openImpact, next), message: what };
}
