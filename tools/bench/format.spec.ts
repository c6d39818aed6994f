import { fmtMiB, fmtNum, fmtRatio, markdownTable, ratio, verdict } from './format';

describe('benchmark formatting', () => {
  it('abbreviates large numbers and keeps small ones precise', () => {
    expect(fmtNum(38_612)).toBe('38.6k');
    expect(fmtNum(2_500_000)).toBe('2.50M');
    expect(fmtNum(912.4)).toBe('912');
    expect(fmtNum(12.34)).toBe('12.3');
    expect(fmtNum(3.14159)).toBe('3.14');
    expect(fmtNum(Number.NaN)).toBe('–');
    expect(fmtNum(undefined)).toBe('–');
  });

  it('computes ratios only when both sides are there and the base is not zero', () => {
    expect(ratio(6600, 16_900)).toBeCloseTo(0.3905, 4);
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(undefined, 2)).toBeUndefined();
    expect(fmtRatio(ratio(6600, 16_900))).toBe('0.39x');
    expect(fmtRatio(undefined)).toBe('–');
  });

  it('reads goals as yes, NO or not measured', () => {
    expect([verdict(true), verdict(false), verdict(undefined)]).toEqual(['yes', 'NO', '–']);
  });

  it('formats bytes as MiB', () => {
    expect(fmtMiB(150 * 1024 * 1024)).toBe('150.0 MiB');
  });

  it('pads every column of a Markdown table to its widest cell', () => {
    const table = markdownTable(['target', 'rps'], [['a', '38.6k'], ['gateway', '7.1k']]);
    expect(table.split('\n')).toEqual(['| target  | rps   |', '|---------|-------|', '| a       | 38.6k |', '| gateway | 7.1k  |']);
  });
});
