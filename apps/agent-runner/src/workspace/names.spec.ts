import { escapeControls, quoteName, unquoteName } from './names';

describe('quoteName', () => {
  it('leaves ordinary names alone, spaces, quotes inside and non-Latin text included', () => {
    for (const name of [
      'README.md',
      'src/deep/a b.ts',
      'résumé.txt',
      '日本語/ファイル',
      'say "hi".txt',
      'back\\slash',
      '😀.md',
    ]) {
      expect(quoteName(name)).toBe(name);
    }
  });

  it('quotes a name with a newline or another control character, so it cannot forge a line', () => {
    expect(quoteName('evil\nREADME.md')).toBe('"evil\\nREADME.md"');
    expect(quoteName('tab\there')).toBe('"tab\\there"');
    expect(quoteName('cr\rreturn')).toBe('"cr\\rreturn"');
    expect(quoteName('bell\u0007')).toBe('"bell\\u0007"');
    expect(quoteName('del\u007f')).toBe('"del\\u007f"');
    expect(quoteName('c1\u0085')).toBe('"c1\\u0085"');
    expect(quoteName('line\u2028sep')).toBe('"line\\u2028sep"');
    expect(quoteName('rlo\u202Etxt.exe')).toBe('"rlo\\u202etxt.exe"');
  });

  it('quotes a name that starts with a quote, escaping quotes and backslashes inside', () => {
    expect(quoteName('"quoted"')).toBe('"\\"quoted\\""');
    expect(quoteName('a\nb"c\\d')).toBe('"a\\nb\\"c\\\\d"');
  });

  it('writes bytes that are not UTF-8 as \\xNN', () => {
    expect(quoteName(Buffer.from([0x61, 0xff, 0x62]))).toBe('"a\\xffb"');
    // An overlong "/" and a lone surrogate are not valid UTF-8 either.
    expect(quoteName(Buffer.from([0xc0, 0xaf]))).toBe('"\\xc0\\xaf"');
    expect(quoteName(Buffer.from([0xed, 0xa0, 0x80]))).toBe('"\\xed\\xa0\\x80"');
    expect(quoteName(Buffer.from('é', 'utf8').subarray(0, 1))).toBe('"\\xc3"');
  });

  it('quotes anything when asked', () => {
    expect(quoteName('plain', true)).toBe('"plain"');
  });
});

describe('unquoteName', () => {
  it('gives back the exact bytes of every quoted name', () => {
    const names = [
      Buffer.from('evil\nREADME.md'),
      Buffer.from('"quoted"'),
      Buffer.from([0x61, 0xff, 0x0a, 0x62]),
      Buffer.from('rlo\u202Etxt\u2028'),
      Buffer.from('😀\t\\'),
    ];
    for (const name of names) expect(unquoteName(quoteName(name, true))).toEqual(name);
  });

  it('answers undefined for what is not a quoted literal', () => {
    for (const input of ['plain.txt', '"', '"open', 'closed"', '"bad \\q escape"', '"short \\x4"', '"inner " quote"']) {
      expect(unquoteName(input)).toBeUndefined();
    }
  });
});

describe('escapeControls', () => {
  it('escapes control characters but keeps tabs and ordinary text', () => {
    expect(escapeControls('a\tb\rc\u0000d\u2028é')).toBe('a\tb\\rc\\u0000d\\u2028é');
  });
});
