import type { Instance, InstanceStatus } from '@platform/contracts';
import { classifyProbe } from '../domain/component-state';
import type { HttpProbes } from './http-probes';

export type ProbeTarget = Pick<Instance, 'instance_id' | 'url' | 'version' | 'ready_path'>;

/** Probes every instance of every service in parallel (each probe is bounded); statuses by service. */
export async function probeAll(
  probes: HttpProbes,
  targets: Map<string, ProbeTarget[]>,
): Promise<Map<string, InstanceStatus[]>> {
  const entries = await Promise.all(
    [...targets].map(async ([service, instances]) => {
      const statuses = await Promise.all(
        instances.map(async (i): Promise<InstanceStatus> => {
          const outcome = await probes.ready({ url: i.url, readyPath: i.ready_path });
          const c = classifyProbe(outcome);
          return {
            instance_id: i.instance_id,
            url: i.url,
            version: i.version,
            health: c.health,
            latency_ms: Math.max(0, Math.round(outcome.latencyMs)),
            failing_checks: c.failingChecks,
            ...(c.error ? { error: c.error } : {}),
          };
        }),
      );
      return [service, statuses] as const;
    }),
  );
  return new Map(entries);
}
