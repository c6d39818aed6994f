import type { BudgetLimits } from '@platform/contracts';
import { describeStop, effectiveLimits, firstExceeded, hasAnyLimit, periodStatus } from './limits';

const NONE: BudgetLimits = { daily_tokens: null, monthly_tokens: null, daily_cost_usd: null, monthly_cost_usd: null };
const DEFAULTS: BudgetLimits = { daily_tokens: 1000, monthly_tokens: 20_000, daily_cost_usd: null, monthly_cost_usd: 5 };
const NOW = new Date('2026-11-22T15:04:05.000Z');

describe('effectiveLimits', () => {
  it('takes what an admin set (null meaning no limit) and the defaults for the rest', () => {
    expect(effectiveLimits({ daily_tokens: 50, monthly_cost_usd: null }, DEFAULTS)).toEqual({
      daily_tokens: 50,
      monthly_tokens: 20_000,
      daily_cost_usd: null,
      monthly_cost_usd: null,
    });
    expect(effectiveLimits({}, DEFAULTS)).toEqual(DEFAULTS);
  });

  it('reads only own fields of the overrides (a stored `__proto__` or `constructor` changes nothing)', () => {
    const stored = JSON.parse('{"__proto__":{"daily_tokens":1},"constructor":2}') as object;

    expect(effectiveLimits(stored, DEFAULTS)).toEqual(DEFAULTS);
    expect(hasAnyLimit(effectiveLimits(stored, NONE))).toBe(false);
  });
});

describe('periodStatus', () => {
  it('counts what is left of each limit in the UTC day, and when it resets', () => {
    const s = periodStatus('day', DEFAULTS, { tokens: 400, nano: 1_500_000_000 }, NOW);

    expect(s).toEqual({
      period: 'day',
      starts_at: '2026-11-22T00:00:00.000Z',
      resets_at: '2026-11-23T00:00:00.000Z',
      limit: { tokens: 1000, cost_usd: null },
      spent: { tokens: 400, cost_usd: 1.5 },
      remaining: { tokens: 600, cost_usd: null },
      exceeded: false,
    });
  });

  it('is exceeded once a limit is reached or passed, remaining never below 0, month resetting on the 1st', () => {
    const s = periodStatus('month', DEFAULTS, { tokens: 100, nano: 5_000_000_001 }, NOW);

    expect(s).toMatchObject({ resets_at: '2026-12-01T00:00:00.000Z', remaining: { tokens: 19_900, cost_usd: 0 }, exceeded: true });
    expect(periodStatus('day', DEFAULTS, { tokens: 1000, nano: 0 }, NOW).exceeded).toBe(true);
    expect(periodStatus('day', NONE, { tokens: 10 ** 9, nano: 10 ** 15 }, NOW).exceeded).toBe(false);
  });
});

describe('firstExceeded and describeStop', () => {
  it('names the day before the month, tokens before dollars', () => {
    const day = periodStatus('day', DEFAULTS, { tokens: 1200, nano: 0 }, NOW);
    const month = periodStatus('month', DEFAULTS, { tokens: 1200, nano: 6e9 }, NOW);

    const stop = firstExceeded([day, month]);

    expect(stop).toEqual({ period: 'day', kind: 'tokens', limit: 1000, spent: 1200, remaining: 0, resets_at: '2026-11-23T00:00:00.000Z' });
    expect(describeStop(stop!)).toBe('Daily token budget spent (1200 tokens of 1000 tokens); it resets at 2026-11-23T00:00:00.000Z');
    expect(firstExceeded([periodStatus('day', DEFAULTS, { tokens: 0, nano: 0 }, NOW), month])).toMatchObject({ period: 'month', kind: 'cost_usd', limit: 5, spent: 6 });
  });

  it('finds nothing while every limit has some left', () => {
    expect(firstExceeded([periodStatus('day', DEFAULTS, { tokens: 999, nano: 0 }, NOW)])).toBeUndefined();
  });
});
