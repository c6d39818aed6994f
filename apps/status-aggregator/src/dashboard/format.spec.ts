import { ago, duration, escapeHtml, num, percent } from './format';

describe('dashboard formatting', () => {
  it('escapes everything that could open markup or an attribute', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    );
  });

  it('shows uptime with two decimals, never rounding up to 100 %', () => {
    expect(percent(1)).toBe('100.00 %');
    expect(percent(0.99999)).toBe('99.99 %');
    expect(percent(0.5)).toBe('50.00 %');
    expect(percent(null)).toBe('—');
  });

  it('shows durations in their two largest units', () => {
    expect(duration(45_000)).toBe('45 s');
    expect(duration(200_000)).toBe('3 min 20 s');
    expect(duration(3_600_000)).toBe('1 h');
    expect(duration(7_500_000)).toBe('2 h 5 min');
    expect(duration(97_200_000)).toBe('1 d 3 h');
    expect(duration(null)).toBe('—');
  });

  it('says how long ago something happened', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');

    expect(ago('2026-01-01T00:09:58Z', now)).toBe('just now');
    expect(ago('2026-01-01T00:09:30Z', now)).toBe('30 s ago');
    expect(ago('2026-01-01T00:06:40Z', now)).toBe('3 min ago');
  });

  it('prints numbers without trailing zeros', () => {
    expect(num(1.5)).toBe('1.5');
    expect(num(2)).toBe('2');
    expect(num(0.123)).toBe('0.12');
  });
});
