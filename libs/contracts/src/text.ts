import type { FieldIssue } from './errors';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL could not store `s` (in `text` or `jsonb`): a NUL character, or half of a UTF-16
 * surrogate pair (no UTF-8 encoding exists for it). Undefined when it can.
 */
export function unstorableReason(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/** Where a value sits: its key and its parent's place (the path is only spelled out for a bad string). */
interface Place {
  key: string;
  parent: Place | undefined;
}

const spell = (place: Place | undefined): string => {
  const keys: string[] = [];
  for (let p = place; p; p = p.parent) keys.push(p.key);
  return keys.reverse().filter(Boolean).join('.');
};

/**
 * The first string in `value` (object keys included) that PostgreSQL cannot store, as a field issue
 * whose path starts at `root` (`body.options.system_prompt`). Walked without recursion, and in time
 * linear in the size of the value, so any depth is safe; undefined when every string is storable.
 */
export function findUnstorableText(value: unknown, root: string): FieldIssue | undefined {
  const pending: Array<[unknown, Place]> = [[value, { key: root, parent: undefined }]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, place] = next;
    if (typeof v === 'string') {
      const reason = unstorableReason(v);
      if (reason) return { path: spell(place), message: reason, code: 'invalid_string' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    for (const [k, child] of Object.entries(v)) {
      const reason = unstorableReason(k);
      // The offending key is named escaped, so the answer never carries the character itself.
      if (reason) return { path: spell({ key: JSON.stringify(k), parent: place }), message: `key ${reason}`, code: 'invalid_key' };
      pending.push([child, { key: k, parent: place }]);
    }
  }
  return undefined;
}

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * `value` with every NUL and unpaired surrogate in its strings (keys included) replaced by U+FFFD, for
 * text the platform produces itself (model answers, tool output) and must store: there is no client
 * to refuse it to. Plain data only (what JSON can hold); recursion is bounded by the value's nesting.
 */
export function toStorableText<T>(value: T): T {
  if (typeof value === 'string') return (unstorableReason(value) ? value.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATES, '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => toStorableText(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [toStorableText(k), toStorableText(v)])) as T;
}
