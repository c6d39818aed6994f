import fc from 'fast-check';

/**
 * A JSON document as the fuzzer builds it: objects are lists of pairs (so a key may repeat and
 * `__proto__` stays a key instead of becoming a prototype) and `raw` splices text in unchanged
 * (numbers JSON.stringify cannot write, nesting too deep to build as values).
 */
export type Doc = null | boolean | number | string | { raw: string } | Doc[] | { pairs: Array<[string, Doc]> };

export function toJson(d: Doc): string {
  if (d === null || typeof d !== 'object') return JSON.stringify(d) ?? 'null';
  if (Array.isArray(d)) return `[${d.map(toJson).join(',')}]`;
  if ('raw' in d) return d.raw;
  return `{${d.pairs.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
}

/** A plain value as a Doc (objects become pair lists). */
export function fromValue(v: unknown): Doc {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(fromValue);
  if (typeof v === 'object')
    return { pairs: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromValue(x)]) };
  return null;
}

export const POLLUTION_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  'hasOwnProperty',
  'toString',
  'valueOf',
];

const nested = (depth: number, open: string, close: string, inner = '1') => ({
  raw: `${open.repeat(depth)}${inner}${close.repeat(depth)}`,
});

/** `{"__proto__":{"polluted":1}}` and its `constructor.prototype` twin: if either took, objects would inherit `polluted`. */
export const pollution = (): Doc[] => [
  { pairs: [['__proto__', { pairs: [['polluted', 1]] }]] },
  { pairs: [['constructor', { pairs: [['prototype', { pairs: [['polluted', 1]] }]] }]] },
];

export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  'null',
  'undefined',
  'NaN',
  'true',
  '-1',
  '0',
  '1e309',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '%',
  '<script>alert(1)</script>',
  "' OR '1'='1' --",
  '${7*7}',
  'é',
  '😀',
  '\u202e',
  '\r\n\r\n',
  '\\',
  '"',
  'x'.repeat(5000),
  '9'.repeat(400),
];

/** Values of the wrong type or shape for any field. */
export const nastyValue = (): fc.Arbitrary<Doc> =>
  fc.oneof(
    fc.constantFrom<Doc>(
      ...NASTY_STRINGS,
      null,
      true,
      false,
      0,
      -1,
      2 ** 53 + 1,
      -0,
      1e308,
      [],
      { pairs: [] },
      ...pollution(),
    ),
    fc.constantFrom<Doc>(
      { raw: '1e999999' },
      { raw: '-1e999999' },
      { raw: '123456789012345678901234567890' },
      { raw: '0.0000000000000000000000001' },
    ),
    fc.integer({ min: 100, max: 10_000 }).map((d) => nested(d, '[', ']')),
    fc.integer({ min: 100, max: 5_000 }).map((d) => nested(d, '{"a":', '}')),
    fc.integer({ min: 1_000, max: 90_000 }).map((n) => 'y'.repeat(n)),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.double().map((x) => (Number.isFinite(x) ? x : { raw: String(x) })),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 50 }),
    fc.jsonValue({ maxDepth: 3 }).map(fromValue),
  );

/** Raw bodies every write endpoint gets, whatever it expects. */
export const NASTY_BODIES: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['not JSON', Buffer.from('name=x&message=y')],
  ['truncated JSON', Buffer.from('{"name": "x", "message": ')],
  [
    'invalid UTF-8',
    Buffer.concat([
      Buffer.from('{"name": "'),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc0, 0xaf]),
      Buffer.from('"}'),
    ]),
  ],
  ['a BOM before JSON', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name": "x"}')])],
  ['UTF-16 JSON', Buffer.from('{"name": "x"}', 'utf16le')],
  ['duplicate keys', Buffer.from('{"name": "x", "name": {"a": 1}, "message": "m", "message": 5}')],
  ['__proto__ pollution', Buffer.from('{"__proto__": {"polluted": 1}, "name": "x", "message": "m"}')],
  ['constructor.prototype pollution', Buffer.from('{"constructor": {"prototype": {"polluted": 1}}, "name": "x"}')],
  ['10k-deep arrays', Buffer.from(toJson(nested(10_000, '[', ']')))],
  ['10k-deep objects', Buffer.from(toJson(nested(10_000, '{"a":', '}')))],
  ['a 1 MB string', Buffer.from(JSON.stringify({ name: 'z'.repeat(1024 * 1024), message: 'm' }))],
  ['a 99 KB string', Buffer.from(JSON.stringify({ name: 'z'.repeat(99 * 1024), message: 'z'.repeat(10) }))],
  ['a huge number', Buffer.from('{"name": 1e999999, "limit": -1e999999}')],
  ['a top-level array', Buffer.from('[{"name": "x"}]')],
  ['a top-level string', Buffer.from('"x"')],
  ['NaN and Infinity literals', Buffer.from('{"name": NaN, "x": Infinity}')],
  ['random bytes', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256))],
];
