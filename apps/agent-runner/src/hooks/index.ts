import type { RunMetrics } from '../run-metrics';
import { HookRegistry } from './registry';
import { auditHook } from './audit';
import { costHook } from './cost';
import { metricsHook } from './metrics';

export { HookRegistry } from './registry';
export type * from './types';

/** The hooks every runner has: cost first (so the others see the updated totals), then metrics and audit. */
export function builtInHooks(metrics: RunMetrics): HookRegistry {
  return new HookRegistry([costHook(), metricsHook(metrics), auditHook()]);
}
