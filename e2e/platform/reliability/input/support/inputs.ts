import fc from 'fast-check';
import { NASTY_STRINGS, POLLUTION_KEYS } from './json-shapes';

const anyText = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS.filter((s) => s.length < 1000)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
);

/** Percent-encodes `s`, or (for lone surrogates, which encodeURIComponent refuses) its UTF-8 bytes as node would write them. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
};

const RAW_SEGMENTS = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%FF%FE',
  '%00',
  '..',
  '.',
  '%2e%2e',
  '%2F',
  '%5C',
  'a%20b',
  '-1',
  '0',
  '1.5',
  '9'.repeat(40),
  '%252e%252e',
  ';',
  ':',
  '@',
  '~',
];

/** A path parameter: one of the real ids (weighted), another UUID, or garbage. */
export const pathValue = (realIds: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: realIds.length > 0 ? fc.constantFrom(...realIds) : fc.uuid(), weight: 6 },
    { arbitrary: fc.uuid(), weight: 2 },
    { arbitrary: fc.uuid().map((u) => u.toUpperCase()), weight: 1 },
    { arbitrary: anyText.map(encode), weight: 3 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 2 },
    { arbitrary: fc.integer({ min: 1_000, max: 8_000 }).map((n) => 'a'.repeat(n)), weight: 1 },
  );

const QUERY_KEYS = [
  'limit',
  'cursor',
  'wait',
  'since',
  'status',
  'q',
  'role',
  'is_active',
  'service',
  'channel_id',
  'action',
  'multitask',
  'token',
  'since_seq',
];
const GOOD_VALUES = [
  '1',
  '10',
  '100',
  'true',
  'false',
  'pending',
  'active',
  'archived',
  'admin',
  'user',
  'auth',
  '2026-01-01T00:00:00Z',
  '0',
];

/** A cursor that decodes: base64url of arbitrary JSON, so cursor parsers see well-formed garbage. */
const cursorLike = fc
  .jsonValue({ maxDepth: 2 })
  .map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url'));

/** A query string (without `?`): known and unknown keys, repeats, pollution keys, bad encodings. */
export const queryString: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        { arbitrary: fc.constantFrom(...QUERY_KEYS), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            ...POLLUTION_KEYS,
            '__proto__[polluted]',
            'constructor[prototype][polluted]',
            'a[b][c]',
            'limit[]',
          ),
          weight: 2,
        },
        { arbitrary: anyText, weight: 2 },
      ),
      fc.oneof(
        { arbitrary: fc.constantFrom(...GOOD_VALUES), weight: 4 },
        { arbitrary: anyText, weight: 4 },
        { arbitrary: cursorLike, weight: 2 },
        { arbitrary: fc.integer({ min: 500, max: 4_000 }).map((n) => 'q'.repeat(n)), weight: 1 },
      ),
      fc.constantFrom('encoded', 'encoded', 'encoded', 'raw-percent', 'no-value'),
    ),
    { maxLength: 6 },
  )
  .map((pairs) =>
    pairs
      .map(([k, v, how]) => {
        if (how === 'no-value') return encode(k);
        if (how === 'raw-percent') return `${encode(k)}=${encode(v)}%${'zz'}`;
        return `${encode(k)}=${encode(v)}`;
      })
      .join('&'),
  );
