import { bucketState, meanTimeToRecover, uptimeFigures, uptimeRatio } from './uptime';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('uptimeRatio', () => {
  it('is the share of polls without outage, a partial outage counting 30 %', () => {
    expect(uptimeRatio({ total: 100, partial: 0, major: 0 })).toBe(1);
    expect(uptimeRatio({ total: 100, partial: 0, major: 5 })).toBeCloseTo(0.95);
    expect(uptimeRatio({ total: 100, partial: 10, major: 0 })).toBeCloseTo(0.97);
    expect(uptimeRatio({ total: 10, partial: 0, major: 10 })).toBe(0);
  });

  it('is unknown without samples', () => {
    expect(uptimeRatio({ total: 0, partial: 0, major: 0 })).toBeNull();
  });
});

describe('meanTimeToRecover', () => {
  it('averages start-to-resolution times', () => {
    expect(
      meanTimeToRecover([
        { startedAt: at(0), resolvedAt: at(10) },
        { startedAt: at(20), resolvedAt: at(50) },
      ]),
    ).toBe(20_000);
  });

  it('is unknown without a resolved incident', () => {
    expect(meanTimeToRecover([])).toBeNull();
  });
});

describe('uptimeFigures', () => {
  it('computes both windows and the recovery time per service', () => {
    const figures = uptimeFigures({
      counts24h: [
        { service: 'auth', state: 'operational', count: 9 },
        { service: 'auth', state: 'major_outage', count: 1 },
      ],
      counts7d: [
        { service: 'auth', state: 'operational', count: 98 },
        { service: 'auth', state: 'degraded_performance', count: 1 },
        { service: 'auth', state: 'major_outage', count: 1 },
        { service: 'channels', state: 'partial_outage', count: 10 },
      ],
      resolved: [
        { service: 'auth', startedAt: at(0), resolvedAt: at(30) },
        { service: 'channels', startedAt: at(0), resolvedAt: null },
      ],
    });

    expect(figures.get('auth')).toEqual({ uptime24h: 0.9, uptime7d: 0.99, mttrMs: 30_000 });
    expect(figures.get('channels')).toEqual({ uptime24h: null, uptime7d: 0.7, mttrMs: null });
  });
});

describe('bucketState', () => {
  it('is the worst state seen in the bucket', () => {
    expect(bucketState({ total: 5, partial: 1, major: 1, degraded: 1 })).toBe('major_outage');
    expect(bucketState({ total: 5, partial: 1, major: 0, degraded: 3 })).toBe('partial_outage');
    expect(bucketState({ total: 5, partial: 0, major: 0, degraded: 1 })).toBe('degraded_performance');
    expect(bucketState({ total: 5, partial: 0, major: 0, degraded: 0 })).toBe('operational');
  });
});
