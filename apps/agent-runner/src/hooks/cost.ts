import type { RunHook } from './types';

const round8 = (usd: number) => Math.round(usd * 1e8) / 1e8;

/**
 * Built-in: prices each turn's usage with the price table and adds it to the run's cost, which
 * run_completed / run_failed report. (An attempt that resumes a run starts from the cost of the
 * usage its ledger carries; prices are linear, so per-turn sums and the total agree.)
 */
export function costHook(): RunHook {
  return {
    name: 'cost',
    afterQuery(run, q) {
      run.totals.costUsd = round8(run.totals.costUsd + run.costOf(q.usage));
    },
  };
}
