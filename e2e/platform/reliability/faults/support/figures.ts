import fs from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '@platform/testing';

/** Where each fault scenario leaves its figures (docs/reliability.md quotes them). */
export const FIGURES_DIR = path.join(findRepoRoot(), 'test-output', 'reliability');

/**
 * Writes `test-output/reliability/faults-<scenario>.json`: what was tried, what was injected, what the
 * clients saw. Written before the assertions run, so a failing run leaves its evidence too.
 */
export function writeFigures(scenario: string, figures: Record<string, unknown>): string {
  fs.mkdirSync(FIGURES_DIR, { recursive: true });
  const file = path.join(FIGURES_DIR, `faults-${scenario}.json`);
  const body = { scenario, recorded_at: new Date().toISOString(), ...figures };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** `value`, or a failure naming `what` (for the optional parts of a started platform). */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}
