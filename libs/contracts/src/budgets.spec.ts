import { budgetKeys, budgetWindow, fromNanoUsd, limitsHash, spendExpiresAt, toNanoUsd } from './budgets';

describe('budget windows', () => {
  it('are the UTC day and month an instant falls in, whatever the hour', () => {
    const late = new Date('2026-12-31T23:59:59.999Z');

    expect(budgetWindow('day', late)).toEqual({
      period: 'day',
      key: 'd:2026-12-31',
      start: new Date('2026-12-31T00:00:00.000Z'),
      end: new Date('2027-01-01T00:00:00.000Z'),
    });
    expect(budgetWindow('month', late)).toMatchObject({ key: 'm:2026-12', end: new Date('2027-01-01T00:00:00.000Z') });
    expect(budgetWindow('month', new Date('2028-02-29T12:00:00Z')).end).toEqual(new Date('2028-03-01T00:00:00Z'));
  });

  it('keep their spend counter two days past their end', () => {
    const w = budgetWindow('day', new Date('2026-11-22T10:00:00Z'));

    expect(spendExpiresAt(w)).toBe(Date.parse('2026-11-25T00:00:00Z') / 1000);
  });
});

describe('budget keys and values', () => {
  it('share one cluster hash tag per person', () => {
    const keys = budgetKeys('agent-events', 'u-1');

    expect([keys.limits, keys.holds, keys.spend(budgetWindow('day', new Date('2026-11-22T00:00:00Z')))]).toEqual([
      'agent-events:budget:{u-1}:limits',
      'agent-events:budget:{u-1}:holds',
      'agent-events:budget:{u-1}:spend:d:2026-11-22',
    ]);
  });

  it('write limits as integers (dollars in billionths), empty for none', () => {
    expect(limitsHash({ daily_tokens: 5000, monthly_tokens: null, daily_cost_usd: 0.1, monthly_cost_usd: 12.345678901 })).toEqual({
      day_tokens: '5000',
      day_nano: '100000000',
      month_tokens: '',
      month_nano: '12345678901',
    });
    expect(fromNanoUsd(toNanoUsd(0.000015))).toBe(0.000015);
  });
});
