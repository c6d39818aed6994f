import fc from 'fast-check';
import { EndpointsResponseSchema } from '@platform/contracts';
import type { JsonClient } from '@platform/testing';
import { bodyFor } from './bodies';
import { authorization, contentType, extraHeaders, upgradeHeaders } from './headers';
import { pathValue, queryString } from './inputs';
import { NASTY_BODIES } from './json-shapes';
import type { RawCase } from './raw-client';
import { idsFor, type World } from './world';

/** One public route as `GET /api/endpoints` lists it (`{param}` placeholders in the path). */
export interface Endpoint {
  service: string;
  method: string;
  path: string;
}

/** A request and the endpoint group it counts for (`METHOD /path/{param}`). */
export interface FuzzCase {
  group: string;
  request: RawCase;
}

/** Every endpoint the running platform lists through the gateway. */
export async function listEndpoints(api: JsonClient): Promise<Endpoint[]> {
  const res = await api.get('/api/endpoints');
  if (res.status !== 200) throw new Error(`GET /api/endpoints answered ${res.status}: ${res.text}`);
  // Sorted, so a seed draws the same cases whatever order the registry lists instances in.
  return EndpointsResponseSchema.parse(res.body)
    .endpoints.map(({ service, method, path }) => ({ service, method, path }))
    .sort((a, b) => groupOf(a).localeCompare(groupOf(b)));
}

export const groupOf = (e: Endpoint): string => `${e.method} ${e.path}`;
const params = (template: string): string[] => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

// How the request target starts: origin-form mostly, sometimes doubled slashes or absolute-form (a
// proxy-style target naming another host, which must never be where the gateway sends the request).
const PREFIXES = ['', '', '', '', '', '', '', '', '/', 'http://127.0.0.1:9', 'http://localhost'];

/** The template with each `{param}` drawn from the world's ids or garbage, with an odd start or end now and then. */
const pathFor = (world: World, template: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...PREFIXES),
      fc.constantFrom('', '', '', '', '/'),
      ...params(template).map((p) => pathValue(idsFor(world, template, p))),
    )
    .map(([prefix, trailing, ...values]) => {
      let i = 0;
      return prefix + template.replace(/\{\w+\}/g, () => values[i++] as string) + trailing;
    });

// A request whose headers pass 16 KB is refused by node's parser before any app code runs: kept below it here.
const HEADER_BUDGET = 14_000;

function assemble(
  e: Endpoint,
  target: string,
  auth: string | undefined,
  extra: Record<string, string>,
  type: string | undefined,
  body: Buffer | undefined,
): RawCase {
  const headers: Record<string, string> = {};
  let budget = HEADER_BUDGET - target.length;
  for (const [k, v] of Object.entries({ ...(auth ? { authorization: auth } : {}), ...extra })) {
    if (k.length + v.length > budget) continue;
    headers[k] = v;
    budget -= k.length + v.length;
  }
  if (body !== undefined && type !== undefined) headers['content-type'] = type;
  return { method: e.method === 'WS' ? 'GET' : e.method, target, headers, ...(body === undefined ? {} : { body }) };
}

/** Random cases over every endpoint: path, query, headers and body all drawn at once. */
export function randomCase(endpoints: Endpoint[], world: World): fc.Arbitrary<FuzzCase> {
  const owner = world.owner.tokens;
  const auth = authorization(owner.access_token, world.admin.tokens.access_token, owner.refresh_token);
  const withUpgrade = fc.tuple(upgradeHeaders, extraHeaders).map(([u, x]) => ({ ...x, ...u }));
  return fc.constantFrom(...endpoints).chain((e) =>
    fc
      .record({
        path: pathFor(world, e.path),
        query: fc.oneof({ arbitrary: fc.constant(''), weight: 1 }, { arbitrary: queryString, weight: 2 }),
        auth,
        // WebSocket routes always ask for an upgrade; any other route sometimes does.
        extra: fc.oneof(
          { arbitrary: withUpgrade, weight: e.method === 'WS' ? 1 : 0 },
          { arbitrary: extraHeaders, weight: e.method === 'WS' ? 0 : 12 },
          { arbitrary: withUpgrade, weight: e.method === 'WS' ? 0 : 1 },
        ),
        type: contentType,
        body: bodyFor(groupOf(e)),
      })
      .map(({ path, query, auth: a, extra, type, body }) => {
        // The admin's token only reads: a write as admin could delete the world the other cases need.
        const who =
          a?.includes(world.admin.tokens.access_token) && e.method !== 'GET' ? `Bearer ${owner.access_token}` : a;
        return { group: groupOf(e), request: assemble(e, query ? `${path}?${query}` : path, who, extra, type, body) };
      }),
  );
}

/**
 * Every nasty raw body against every write endpoint, as the owner on real ids: once plain and once
 * with an Idempotency-Key (which makes some routes fingerprint the body before validating it).
 */
export function nastyBodyCases(endpoints: Endpoint[], world: World): FuzzCase[] {
  const out: FuzzCase[] = [];
  const auth = { authorization: `Bearer ${world.owner.tokens.access_token}`, 'content-type': 'application/json' };
  for (const e of endpoints.filter((x) => ['POST', 'PUT', 'PATCH'].includes(x.method))) {
    const target = e.path.replace(
      /\{(\w+)\}/g,
      (_m, p: string) => idsFor(world, e.path, p)[0] ?? '00000000-0000-0000-0000-000000000000',
    );
    NASTY_BODIES.forEach(([, body], i) => {
      out.push({ group: groupOf(e), request: { method: e.method, target, headers: auth, body } });
      const headers = { ...auth, 'idempotency-key': `nasty-${e.method}-${e.path}-${i}` };
      out.push({ group: groupOf(e), request: { method: e.method, target, headers, body } });
    });
  }
  return out;
}

/** Destructive cases (DELETE) last, so the world's ids stay real for as long as possible. */
export const deletesLast = (cases: FuzzCase[]): FuzzCase[] => [
  ...cases.filter((c) => c.request.method !== 'DELETE'),
  ...cases.filter((c) => c.request.method === 'DELETE'),
];
