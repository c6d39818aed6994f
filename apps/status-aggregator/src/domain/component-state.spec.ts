import type { InstanceStatus, ReadyResponse } from '@platform/contracts';
import {
  classifyProbe,
  componentState,
  nextConsecutiveFailures,
  platformDescription,
  platformState,
  worstOf,
} from './component-state';

const ready = (checks: Array<[string, boolean]>): ReadyResponse => ({
  status: checks.every(([, ok]) => ok) ? 'ready' : 'not_ready',
  service: 'svc',
  checks: checks.map(([name, ok]) => ({ name, ok, latency_ms: 1, ...(ok ? {} : { error: `${name} down` }) })),
});

const inst = (health: InstanceStatus['health'], latency_ms = 5) => ({ health, latency_ms });

describe('classifyProbe', () => {
  it('is up when /ready answers 200', () => {
    expect(classifyProbe({ kind: 'answered', status: 200, body: ready([['postgres', true]]), latencyMs: 3 })).toEqual({
      health: 'up',
      failingChecks: [],
    });
  });

  it('is impaired when it answers 503 with some but not all checks failing', () => {
    const body = ready([
      ['postgres', true],
      ['redis', false],
    ]);

    expect(classifyProbe({ kind: 'answered', status: 503, body, latencyMs: 3 })).toEqual({
      health: 'impaired',
      failingChecks: ['redis'],
      error: 'redis: redis down',
    });
  });

  it('is down when every check fails, when it is draining, or when the answer is not the ready document', () => {
    const allDown = ready([['postgres', false]]);
    const draining = ready([
      ['postgres', true],
      ['shutdown', false],
    ]);

    expect(classifyProbe({ kind: 'answered', status: 503, body: allDown, latencyMs: 1 }).health).toBe('down');
    expect(classifyProbe({ kind: 'answered', status: 503, body: draining, latencyMs: 1 }).health).toBe('down');
    expect(classifyProbe({ kind: 'answered', status: 502, body: undefined, latencyMs: 1 })).toMatchObject({
      health: 'down',
      error: 'answered 502',
    });
  });

  it('is down with the reason when the probe failed', () => {
    expect(classifyProbe({ kind: 'failed', reason: 'no answer within 100 ms', latencyMs: 100 })).toEqual({
      health: 'down',
      failingChecks: [],
      error: 'no answer within 100 ms',
    });
  });
});

describe('componentState', () => {
  it('is a major outage with no instance, or when none serves', () => {
    expect(componentState([], 1000)).toBe('major_outage');
    expect(componentState([inst('down'), inst('down')], 1000)).toBe('major_outage');
  });

  it('is a partial outage when some instances are down', () => {
    expect(componentState([inst('up'), inst('down')], 1000)).toBe('partial_outage');
    expect(componentState([inst('impaired'), inst('down')], 1000)).toBe('partial_outage');
  });

  it('is degraded when every instance serves but one is slow or has failing checks', () => {
    expect(componentState([inst('up'), inst('up', 1500)], 1000)).toBe('degraded_performance');
    expect(componentState([inst('up'), inst('impaired')], 1000)).toBe('degraded_performance');
  });

  it('is operational when every instance is up and fast', () => {
    expect(componentState([inst('up', 999), inst('up', 1)], 1000)).toBe('operational');
  });
});

describe('platformState', () => {
  it('is the worst of the required components, ignoring the others', () => {
    const states = new Map([
      ['auth', 'operational' as const],
      ['channels', 'partial_outage' as const],
      ['extra', 'major_outage' as const],
    ]);

    expect(platformState(states, ['auth', 'channels'])).toBe('partial_outage');
    expect(platformState(states, ['auth'])).toBe('operational');
  });

  it('counts a required component it has never seen as a major outage', () => {
    expect(platformState(new Map([['auth', 'operational']]), ['auth', 'sessions'])).toBe('major_outage');
  });

  it('orders states from operational to major outage', () => {
    expect(worstOf([])).toBe('operational');
    expect(worstOf(['degraded_performance', 'operational'])).toBe('degraded_performance');
    expect(worstOf(['major_outage', 'partial_outage'])).toBe('major_outage');
  });
});

describe('nextConsecutiveFailures', () => {
  it('counts polls with a failed probe or no instance, and resets after a clean poll', () => {
    expect(nextConsecutiveFailures(0, [inst('up'), inst('down')])).toBe(1);
    expect(nextConsecutiveFailures(1, [])).toBe(2);
    expect(nextConsecutiveFailures(2, [inst('impaired')])).toBe(3);
    expect(nextConsecutiveFailures(3, [inst('up')])).toBe(0);
  });
});

describe('platformDescription', () => {
  it('names the affected components', () => {
    const states = new Map([
      ['sessions', 'major_outage' as const],
      ['auth', 'operational' as const],
      ['channels', 'degraded_performance' as const],
    ]);

    expect(platformDescription('major_outage', states)).toBe('Major outage: channels, sessions');
    expect(platformDescription('operational', new Map())).toBe('All systems operational');
  });
});
