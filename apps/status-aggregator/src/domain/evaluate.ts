import type { ComponentState, InstanceStatus } from '@platform/contracts';
import { componentState, nextConsecutiveFailures } from './component-state';

/** What the aggregator currently knows about one component. */
export interface LiveComponent {
  name: string;
  state: ComponentState;
  required: boolean;
  instances: InstanceStatus[];
  consecutiveFailures: number;
  lastChangeAt: Date;
  lastCheckedAt: Date;
  lastSeenAt: Date | null;
}

export interface Evaluation {
  components: Map<string, LiveComponent>;
  /** Components whose state moved (or that are new), with their previous state. */
  changed: Array<{ comp: LiveComponent; previous: ComponentState | null }>;
  /** Components no longer tracked: not required, and without an instance for `forgetAfterMs`. */
  forgotten: string[];
}

/**
 * One poll's verdict on every component: each required one, each known from before (so a service
 * the registry forgot stays, down) and each registered one. A component that is not required and
 * has had no instance for `forgetAfterMs` is dropped.
 */
export function evaluateComponents(o: {
  previous: ReadonlyMap<string, LiveComponent>;
  probed: ReadonlyMap<string, InstanceStatus[]>;
  required: ReadonlySet<string>;
  at: Date;
  slowMs: number;
  forgetAfterMs: number;
}): Evaluation {
  const out: Evaluation = { components: new Map(), changed: [], forgotten: [] };
  for (const name of new Set([...o.required, ...o.previous.keys(), ...o.probed.keys()])) {
    const instances = o.probed.get(name) ?? [];
    const prev = o.previous.get(name);
    const lastSeenAt = instances.length > 0 ? o.at : (prev?.lastSeenAt ?? null);
    const absentSince = lastSeenAt ?? prev?.lastChangeAt;
    const required = o.required.has(name);
    if (
      !required &&
      instances.length === 0 &&
      absentSince &&
      o.at.getTime() - absentSince.getTime() > o.forgetAfterMs
    ) {
      out.forgotten.push(name);
      continue;
    }
    const state = componentState(instances, o.slowMs);
    const comp: LiveComponent = {
      name,
      state,
      required,
      instances,
      consecutiveFailures: nextConsecutiveFailures(prev?.consecutiveFailures ?? 0, instances),
      lastChangeAt: prev && prev.state === state ? prev.lastChangeAt : o.at,
      lastCheckedAt: o.at,
      lastSeenAt,
    };
    out.components.set(name, comp);
    if (prev?.state !== state) out.changed.push({ comp, previous: prev?.state ?? null });
  }
  return out;
}
