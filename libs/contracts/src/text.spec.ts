import { findUnstorableText, toStorableText, unstorableReason } from './text';

describe('unstorableReason', () => {
  it.each([
    ['a NUL', 'a\u0000b', /NUL/],
    ['a lone high surrogate', 'x\ud800', /surrogate/],
    ['a lone low surrogate', '\udc00x', /surrogate/],
    ['two high surrogates', '\ud800\ud800\udc00', /surrogate/],
  ])('refuses %s', (_what, s, reason) => {
    expect(unstorableReason(s)).toMatch(reason);
  });

  it.each([['plain text', 'hello'], ['an emoji (a surrogate pair)', 'ok 😀'], ['an escaped-looking NUL', '\\u0000'], ['empty', '']])('accepts %s', (_what, s) => {
    expect(unstorableReason(s)).toBeUndefined();
  });
});

describe('findUnstorableText', () => {
  it('names the path of a bad string anywhere in a body, arrays included', () => {
    expect(findUnstorableText({ name: 'ok', options: { allowed: ['a', 'b\u0000'] } }, 'body')).toEqual({
      path: 'body.options.allowed.1',
      message: expect.stringMatching(/NUL/),
      code: 'invalid_string',
    });
    expect(findUnstorableText('\ud800', 'query')?.path).toBe('query');
  });

  it('refuses a bad key and names it escaped, never with the character itself', () => {
    const issue = findUnstorableText(JSON.parse('{"ok":{"k\\u0000":1}}'), 'body');

    expect(issue).toMatchObject({ path: 'body.ok."k\\u0000"', code: 'invalid_key' });
    expect(issue?.path).not.toContain('\u0000');
  });

  it('passes storable values of any shape and depth without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];

    expect(findUnstorableText({ a: [1, true, null, { b: 'ok 😀' }], deep }, 'body')).toBeUndefined();
    expect(findUnstorableText(undefined, 'body')).toBeUndefined();
  });
});

describe('toStorableText', () => {
  it('replaces NUL and unpaired surrogates by U+FFFD in strings and keys, and keeps everything else', () => {
    const out = toStorableText({ output: 'a\u0000b', list: ['x\ud800', 'ok 😀', 3, null, true], ['k\u0000']: { deep: '\udc00' } });

    expect(out).toEqual({ output: 'a\uFFFDb', list: ['x\uFFFD', 'ok 😀', 3, null, true], ['k\uFFFD']: { deep: '\uFFFD' } });
    expect(findUnstorableText(out, '')).toBeUndefined();
  });

  it('returns storable values as they are', () => {
    const value = { a: 'plain', b: [1, 2] };

    expect(toStorableText(value)).toEqual(value);
    expect(toStorableText('same')).toBe('same');
  });
});
