export type RunsReport = Record<string, never>;
/** Part 2 lands in a later commit. */
export function runsBench(_o: { concurrency: number[]; runsPerSession: number; durationS: number }, _log: (l: string) => void): Promise<RunsReport> {
  return Promise.reject(new Error('the run-throughput part is not implemented yet'));
}
