import { randomBytes } from 'node:crypto';

/** A short random lowercase hex string (8 chars by default). */
export function randomSuffix(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

/** `<prefix>-<random>`: an id no other test (or test process) will pick. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomSuffix()}`;
}

/** A Redis key prefix private to one test file: `test:<name>:<random>:`. */
export function redisPrefix(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]+/g, '-');
  if (!clean) throw new Error('redisPrefix needs a name');
  return `test:${clean}:${randomSuffix()}:`;
}
