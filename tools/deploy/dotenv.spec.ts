import { generateEnvFile, interpolate, parseDotenv, referencedVars } from './dotenv';

describe('parseDotenv', () => {
  it('reads values with the comments above them, quotes and escapes as compose does', () => {
    const entries = parseDotenv(
      ['# first', '# second', 'A=1', '', 'B="x\\ny"', "C='lit\\n'", 'D=plain # note'].join('\n'),
    );
    expect(entries).toEqual([
      { key: 'A', value: '1', doc: ['first', 'second'] },
      { key: 'B', value: 'x\ny', doc: [] },
      { key: 'C', value: 'lit\\n', doc: [] },
      { key: 'D', value: 'plain', doc: [] },
    ]);
  });
});

describe('interpolate', () => {
  const env = { SET: 'v', EMPTY: '' };

  it('substitutes, defaults and escapes like compose', () => {
    expect(interpolate('a-${SET}-$SET-$$SET', env)).toBe('a-v-v-$SET');
    expect(interpolate('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:+alt} ${EMPTY:+alt}', env)).toBe('d  d alt ');
  });

  it('fails with the message of ${VAR:?message} when the variable is empty or unset', () => {
    expect(() => interpolate('${EMPTY:?fill EMPTY in}', env)).toThrow('EMPTY: fill EMPTY in');
    expect(interpolate('${EMPTY?needed}', env)).toBe('');
  });

  it('lists the variables a text refers to', () => {
    expect(referencedVars('x ${A:-${B}} $C $$D')).toEqual(['A', 'B', 'C']);
  });
});

describe('generateEnvFile', () => {
  it('fills empty [generated] variables only, with distinct secrets', () => {
    const out = parseDotenv(
      generateEnvFile(['# [generated] one', 'S1=', '# [generated] two', 'S2=', '# kept', 'K=', 'L=x'].join('\n')),
    );
    const byKey = Object.fromEntries(out.map((e) => [e.key, e.value]));
    expect(byKey.S1).toMatch(/^k[0-9a-f]{48}7$/);
    expect(byKey.S2).not.toBe(byKey.S1);
    expect(byKey).toMatchObject({ K: '', L: 'x' });
  });
});
