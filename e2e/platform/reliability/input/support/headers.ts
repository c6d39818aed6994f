import fc from 'fast-check';

/** A latin-1 string node will put in a header (no control characters, nothing above U+00FF). */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength,
  });

/** The Authorization header: mostly the owner's token, else none, the admin's (reads only) or a broken one. */
export const authorization = (
  ownerToken: string,
  adminToken: string,
  refreshToken: string,
): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { arbitrary: fc.constant(`Bearer ${ownerToken}`), weight: 8 },
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.constant(`Bearer ${adminToken}`), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        `bearer ${ownerToken}`,
        `Bearer  ${ownerToken}`,
        `Bearer ${ownerToken} extra`,
        `Bearer ${refreshToken}`,
        `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        'Bearer a.b.c',
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
        `Bearer ${'A'.repeat(8_000)}`,
        'Bearer é\u00ff\u0080',
        `Digest ${ownerToken}`,
      ),
      weight: 3,
    },
  );

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  'application/json;;;',
  'appl;ication/json',
  '',
];

const NAMED = [
  'accept',
  'x-request-id',
  'idempotency-key',
  'last-event-id',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'origin',
  'cookie',
  'user-agent',
  'if-none-match',
  'range',
  'traceparent',
  'content-encoding',
  'accept-encoding',
  'x-http-method-override',
  'x-real-ip',
];
// Names node frames the request with or that would change its framing: never fuzzed.
const FRAMING = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'keep-alive',
  'authorization',
  'content-type',
]);

/** Extra headers: known ones with odd values, random names, latin-1 text, one up to 10 KB. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.tuple(
      fc.oneof(
        { arbitrary: fc.constantFrom(...NAMED), weight: 3 },
        { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/).filter((n) => !FRAMING.has(n)), weight: 1 },
      ),
      fc.oneof(
        { arbitrary: headerText(64), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            'gzip',
            'br',
            'deflate',
            'identity',
            'x-weird',
            '-1',
            '99999999999999999999',
            'text/event-stream',
            'DELETE',
          ),
          weight: 3,
        },
        { arbitrary: fc.integer({ min: 1_000, max: 10_000 }).map((n) => 'h'.repeat(n)), weight: 1 },
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => Object.fromEntries(pairs.filter(([, v], i) => i === 0 || v.length < 1_000)));

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 3 },
);

/** Headers for a WebSocket handshake, well formed or not. */
export const upgradeHeaders: fc.Arbitrary<Record<string, string>> = fc.record({
  connection: fc.constantFrom('Upgrade', 'upgrade, keep-alive', 'close'),
  upgrade: fc.constantFrom('websocket', 'WebSocket', 'h2c', 'nonsense'),
  'sec-websocket-version': fc.constantFrom('13', '8', '', 'x'),
  'sec-websocket-key': fc.oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
    headerText(30),
  ),
});
