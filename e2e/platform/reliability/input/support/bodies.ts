import fc from 'fast-check';
import { POLLUTION_KEYS, fromValue, nastyValue, pollution, toJson, type Doc } from './json-shapes';

const S = '/api/v1/sessions';
// Webhook URLs only ever name reserved documentation addresses: refused, and never a real destination.
const HOOK = 'http://203.0.113.9/hook';

/** A valid-looking body per write endpoint, for mutations that are one field away from acceptable. */
export const EXAMPLES: Record<string, Record<string, unknown>> = {
  'POST /auth/register': { email: 'fuzz@e2e.test', username: 'fuzz_user', password: 'Fuzz-pass-1234' },
  'POST /auth/login': { email: 'fuzz@e2e.test', password: 'Fuzz-pass-1234' },
  'POST /auth/refresh': { refresh_token: 'r'.repeat(40) },
  'POST /auth/logout': {},
  'PUT /auth/profile': { username: 'renamed_user', password: 'New-pass-12345', current_password: 'not-it' },
  'POST /auth/service-token': { client_id: 'sessions', client_secret: 'a-guess' },
  'PUT /users/{id}': { username: 'renamed_user', role: 'admin', is_active: false, max_concurrent_sessions: 5 },
  'POST /api/channels': { name: 'fuzzed', description: 'made by the fuzzer' },
  'POST /channels': { name: 'fuzzed', description: null },
  'PUT /api/channels/{id}': { name: 'fuzzed', description: null },
  'PATCH /api/channels/{id}': { description: 'patched' },
  [`POST ${S}`]: {
    name: 'fuzzed',
    mode: 'interactive',
    options: { permission_mode: 'accept_edits', allowed_tools: ['list_files'], max_turns: 2, provider: 'offline' },
    webhook_url: HOOK,
  },
  [`PATCH ${S}/{id}`]: { name: 'renamed', status: 'active', webhook_url: null },
  [`POST ${S}/{id}/query`]: { message: 'list the files', multitask: 'reject' },
  [`POST ${S}/{id}/fork`]: { name: 'forked' },
  [`POST ${S}/{id}/runs/{run_id}/cancel`]: { reason: 'fuzz' },
  [`POST ${S}/{id}/permissions/{request_id}`]: { decision: 'deny', remember: false },
  'PUT /api/v1/webhook-settings': { url: HOOK, rotate_secret: false },
  // Admins only: the owner's attempts are refused, whatever they send.
  'PUT /api/v1/budgets/{user_id}': { daily_tokens: 1000, monthly_cost_usd: null },
};

type Pairs = Array<[string, Doc]>;

/** One mutation of a pair list: a field replaced, dropped, duplicated, or a foreign key added. */
const mutate = (pairs: Pairs): fc.Arbitrary<Doc> => {
  const keys = pairs.map(([k]) => k);
  const at = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('name');
  return fc.oneof(
    fc
      .tuple(at, nastyValue())
      .map(([k, v]): Doc => ({ pairs: pairs.map(([pk, pv]): [string, Doc] => [pk, pk === k ? v : pv]) })),
    at.map((k): Doc => ({ pairs: pairs.filter(([pk]) => pk !== k) })),
    fc.tuple(at, nastyValue()).map(([k, v]): Doc => ({ pairs: [...pairs, [k, v]] })),
    fc
      .tuple(fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 12 })), nastyValue())
      .map(([k, v]): Doc => ({ pairs: [...pairs, [k, v]] })),
    fc.constantFrom(...pollution()).map((p): Doc => ({ pairs: [...(p as { pairs: Pairs }).pairs, ...pairs] })),
    fc.constant<Doc>([{ pairs }]),
  );
};

/** How the text goes on the wire: UTF-8, or broken on purpose. */
const encoding = fc.constantFrom('utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'invalid-utf8', 'bom', 'utf16le');

function encode(text: string, how: string): Buffer {
  if (how === 'utf16le') return Buffer.from(text, 'utf16le');
  if (how === 'bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  if (how === 'invalid-utf8') {
    const mid = Math.floor(text.length / 2);
    return Buffer.concat([
      Buffer.from(text.slice(0, mid)),
      Buffer.from([0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80]),
      Buffer.from(text.slice(mid)),
    ]);
  }
  return Buffer.from(text);
}

/** A body for `key` (`METHOD /path/{param}`); undefined sends none. Write methods mostly get one, reads rarely. */
export function bodyFor(key: string): fc.Arbitrary<Buffer | undefined> {
  const example = fromValue(EXAMPLES[key] ?? { name: 'x' }) as { pairs: Pairs };
  const doc = fc.oneof(
    { arbitrary: mutate(example.pairs), weight: 6 },
    { arbitrary: fc.constant<Doc>(example), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map(fromValue), weight: 2 },
    {
      arbitrary: fc
        .dictionary(fc.oneof(fc.constantFrom(...POLLUTION_KEYS), fc.string({ maxLength: 10 })), nastyValue(), {
          maxKeys: 5,
        })
        .map(fromValue),
      weight: 2,
    },
  );
  const written = fc.tuple(doc, encoding).map(([d, how]) => encode(toJson(d), how));
  const raw = fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
    fc.string({ maxLength: 64 }).map((s) => Buffer.from(s)),
  );
  const isWrite = /^(POST|PUT|PATCH) /.test(key);
  return fc.oneof(
    { arbitrary: written, weight: isWrite ? 10 : 1 },
    { arbitrary: raw, weight: 1 },
    { arbitrary: fc.constant(undefined), weight: isWrite ? 1 : 10 },
  );
}
