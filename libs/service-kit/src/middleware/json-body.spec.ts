import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-body';

const arrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const objects = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('nestedDeeperThan', () => {
  it('accepts values up to the limit and flat values of any size', () => {
    expect(nestedDeeperThan(arrays(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestedDeeperThan(objects(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestedDeeperThan({ a: Array.from({ length: 10_000 }, (_, i) => ({ i })) }, 3)).toBe(false);
    expect(nestedDeeperThan('text', 1)).toBe(false);
  });

  it('finds nesting one level past the limit, and 100k levels without overflowing the stack', () => {
    expect(nestedDeeperThan(arrays(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan({ ok: 1, deep: objects(MAX_JSON_DEPTH) }, MAX_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan(arrays(100_000), MAX_JSON_DEPTH)).toBe(true);
  });
});
