import type { InstanceStatus } from '@platform/contracts';
import { evaluateComponents, type LiveComponent } from './evaluate';

const T0 = new Date('2026-01-01T00:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const inst = (health: InstanceStatus['health']): InstanceStatus => ({
  instance_id: `i-${health}`,
  url: 'http://127.0.0.1:1',
  version: '1',
  health,
  latency_ms: 3,
  failing_checks: [],
});
const known = (name: string, over: Partial<LiveComponent> = {}): LiveComponent => ({
  name,
  state: 'operational',
  required: false,
  instances: [inst('up')],
  consecutiveFailures: 0,
  lastChangeAt: T0,
  lastCheckedAt: T0,
  lastSeenAt: T0,
  ...over,
});

const evaluate = (
  previous: LiveComponent[],
  probed: Record<string, InstanceStatus[]>,
  at: Date,
  required: string[] = [],
) =>
  evaluateComponents({
    previous: new Map(previous.map((c) => [c.name, c])),
    probed: new Map(Object.entries(probed)),
    required: new Set(required),
    at,
    slowMs: 1000,
    forgetAfterMs: 60_000,
  });

describe('evaluateComponents', () => {
  it('reports new and moved components as changed, keeping the last change time of those that did not move', () => {
    const v = evaluate(
      [known('auth'), known('search')],
      { auth: [inst('up')], search: [inst('down')], mail: [inst('up')] },
      later(5000),
    );

    expect(v.changed.map((c) => [c.comp.name, c.previous, c.comp.state])).toEqual([
      ['search', 'operational', 'major_outage'],
      ['mail', null, 'operational'],
    ]);
    expect(v.components.get('auth')?.lastChangeAt).toEqual(T0);
    expect(v.components.get('search')).toMatchObject({ lastChangeAt: later(5000), consecutiveFailures: 1 });
  });

  it('includes a required service never seen, as a major outage', () => {
    const v = evaluate([], {}, T0, ['channels']);

    expect(v.components.get('channels')).toMatchObject({ state: 'major_outage', required: true, lastSeenAt: null });
  });

  it('keeps a known service the registry no longer lists, down, remembering when it was last seen', () => {
    const v = evaluate([known('ledger')], {}, later(30_000));

    expect(v.components.get('ledger')).toMatchObject({ state: 'major_outage', instances: [], lastSeenAt: T0 });
    expect(v.forgotten).toEqual([]);
  });

  it('forgets a service that is not required once it has had no instance for the forget delay', () => {
    const v = evaluate([known('ledger'), known('auth')], {}, later(61_000), ['auth']);

    expect(v.forgotten).toEqual(['ledger']);
    expect([...v.components.keys()]).toEqual(['auth']);
  });
});
