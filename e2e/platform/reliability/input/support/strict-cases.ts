import { EXAMPLES } from './bodies';
import { groupOf, type Endpoint, type FuzzCase } from './cases';
import type { RawAnswer } from './raw-client';
import { idsFor, type World } from './world';

/**
 * Cases with one right answer, kept so fixed bugs stay fixed: a string PostgreSQL cannot store is a 400
 * wherever it is sent, and a client-supplied key naming a member of Object.prototype is an unknown id.
 */
export interface StrictCase extends FuzzCase {
  /** The statuses that are right for it. */
  expect: number[];
}

/** What PostgreSQL refuses to store: a NUL, and half a surrogate pair (as JSON.stringify escapes them). */
export const UNSTORABLE = ['a\u0000b', '\ud800x', 'y\udc00'];
/** Ids that name Object.prototype's members: a plain-object lookup would find something. */
export const OWN_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

const NIL = '00000000-0000-0000-0000-000000000000';
const isWrite = (e: Endpoint) => ['POST', 'PUT', 'PATCH'].includes(e.method);
const withRealIds = (world: World, e: Endpoint, except?: string, as = '') =>
  e.path.replace(/\{(\w+)\}/g, (_m, p: string) => (p === except ? encodeURIComponent(as) : (idsFor(world, e.path, p)[0] ?? NIL)));

/** Each string leaf of `value` (object keys aside), by its path of keys and indexes. */
function stringLeaves(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  return [];
}

function replaced(value: unknown, at: Array<string | number>, by: unknown): unknown {
  if (at.length === 0) return by;
  const [head, ...rest] = at;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, by) : v));
  const o = value as Record<string, unknown>;
  return { ...o, [head as string]: replaced(o[head as string], rest, by) };
}

/** Every string of each write endpoint's valid body, one at a time, made unstorable; and a key that is. 400 each. */
export function unstorableBodyCases(endpoints: Endpoint[], world: World): StrictCase[] {
  const headers = { authorization: `Bearer ${world.owner.tokens.access_token}`, 'content-type': 'application/json' };
  const out: StrictCase[] = [];
  for (const e of endpoints.filter(isWrite)) {
    const example = EXAMPLES[groupOf(e)];
    if (!example) continue;
    const target = withRealIds(world, e);
    const bodies = [
      ...stringLeaves(example).flatMap((leaf) => UNSTORABLE.map((bad) => replaced(example, leaf, bad))),
      { ...example, ['k\u0000']: 1 },
    ];
    for (const body of bodies) out.push({ group: groupOf(e), expect: [400], request: { method: e.method, target, headers, body: Buffer.from(JSON.stringify(body)) } });
  }
  return out;
}

/**
 * A NUL in a query value of every endpoint: 400 from any service, before it can store it. Routes the gateway
 * answers itself store nothing and need only stay below 500.
 */
export function unstorableQueryCases(endpoints: Endpoint[], world: World): StrictCase[] {
  const headers = { authorization: `Bearer ${world.owner.tokens.access_token}` };
  return endpoints
    .filter((e) => e.method !== 'WS')
    .map((e) => ({
      group: groupOf(e),
      expect: e.service === 'gateway' ? [] : [400],
      request: { method: e.method, target: `${withRealIds(world, e)}?note=a%00b`, headers },
    }));
}

/**
 * Each path parameter of every endpoint set to a member of Object.prototype (the rest real ids), and the
 * template a session is made from: an unknown id (404) or not an id at all (400), never 2xx or 5xx. The
 * owner sends them, so admin-only routes may refuse first (403).
 */
export function ownKeyCases(endpoints: Endpoint[], world: World): StrictCase[] {
  const headers = { authorization: `Bearer ${world.owner.tokens.access_token}`, 'content-type': 'application/json' };
  const out: StrictCase[] = [];
  for (const e of endpoints.filter((x) => x.method !== 'WS')) {
    const params = [...e.path.matchAll(/\{(\w+)\}/g)].flatMap((m) => (m[1] ? [m[1]] : []));
    const example = EXAMPLES[groupOf(e)];
    const body = isWrite(e) && example ? Buffer.from(JSON.stringify(example)) : undefined;
    for (const p of params)
      for (const key of OWN_KEYS)
        out.push({ group: groupOf(e), expect: [400, 403, 404], request: { method: e.method, target: withRealIds(world, e, p, key), headers, ...(body ? { body } : {}) } });
  }
  for (const key of OWN_KEYS)
    out.push({
      group: 'POST /api/v1/sessions',
      expect: [404],
      request: { method: 'POST', target: '/api/v1/sessions', headers, body: Buffer.from(JSON.stringify({ name: 'own key', template_id: key })) },
    });
  return out;
}

/** Why a strict case's answer is wrong (beyond the general oracle), or undefined. */
export function strictVerdict(c: StrictCase, a: RawAnswer): string | undefined {
  if (c.expect.length === 0 || c.expect.includes(a.status)) return undefined;
  return `${a.status} where ${c.expect.join(' or ')} is right: ${a.text.slice(0, 200)}`;
}
