import { StatusStreamEventSchema, type StatusStreamEvent } from '@platform/contracts';
import { SseHttpError, sseClient, type SseStream } from '@platform/testing';
import { startStatusHarness, type StatusHarness } from './support/harness';
import type { FakeInstance } from './support/fake-instance';

jest.setTimeout(20_000);

let h: StatusHarness;
let orders: FakeInstance;
const open: SseStream[] = [];
beforeAll(async () => {
  h = await startStatusHarness('stream', { REQUIRED_SERVICES: 'registry,orders' });
  orders = await h.instance('orders');
  await h.agg.tick();
}, 30_000);
afterAll(async () => {
  for (const s of open) s.close();
  await h?.close();
}, 30_000);

async function subscribe(headers: Record<string, string> = {}): Promise<SseStream> {
  const s = await sseClient(`${h.agg.url}/api/status/stream`, headers);
  open.push(s);
  return s;
}

/** Reads events (each parsed with the contract) until one of `type` satisfies `match`, within `ms`. */
async function until<T extends StatusStreamEvent['type']>(
  s: SseStream,
  type: T,
  match: (e: Extract<StatusStreamEvent, { type: T }>) => boolean = () => true,
  ms = 5000,
): Promise<Extract<StatusStreamEvent, { type: T }>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const e = StatusStreamEventSchema.parse(JSON.parse((await s.next(Math.max(1, deadline - Date.now()))).data));
    if (e.type === type && match(e as Extract<StatusStreamEvent, { type: T }>))
      return e as Extract<StatusStreamEvent, { type: T }>;
  }
}

describe('GET /api/status/stream', () => {
  it('opens with a snapshot of every component, the platform state and the queues, without admin details', async () => {
    const s = await subscribe();

    const first = await s.next();
    const snapshot = StatusStreamEventSchema.parse(JSON.parse(first.data));

    expect(first.event).toBe('snapshot');
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(snapshot).toMatchObject({
      type: 'snapshot',
      status: 'operational',
      queues: [expect.objectContaining({ name: 'agent-runs' })],
    });
    if (snapshot.type !== 'snapshot') throw new Error('not a snapshot');
    expect(snapshot.components.map((c) => c.name)).toEqual(['orders', 'registry']);
    expect(snapshot.components.every((c) => c.instance_details === undefined)).toBe(true);
    expect(snapshot).not.toHaveProperty('metrics');
  });

  it('pushes the component change, the platform change and the incident as soon as a poll sees them', async () => {
    const s = await subscribe();
    await until(s, 'snapshot');

    orders.mode = 'down';
    await h.agg.tick();

    expect(await until(s, 'component')).toMatchObject({
      previous: 'operational',
      component: { name: 'orders', state: 'major_outage' },
    });
    expect(await until(s, 'platform')).toMatchObject({ previous: 'operational', status: 'major_outage' });
    const incident = await until(s, 'incident');
    expect(incident.incident).toMatchObject({ service: 'orders', status: 'open', impact: 'major_outage' });
    expect(incident.incident).not.toHaveProperty('updates');

    orders.mode = 'ready';
    await h.agg.tick();

    const recovered = await until(s, 'component', (e) => e.component.state === 'operational');
    expect(recovered).toMatchObject({ previous: 'major_outage', component: { name: 'orders' } });
    expect(await until(s, 'platform')).toMatchObject({ status: 'operational' });
  });

  it('gives admins instance details, incident timelines and request metrics', async () => {
    const s = await subscribe(h.agg.signer.auth('admin'));
    const snapshot = await until(s, 'snapshot');
    expect(snapshot.components.find((c) => c.name === 'orders')?.instance_details).toHaveLength(1);

    await orders.traffic(5);
    await h.agg.tick();
    const metrics = await until(s, 'metrics');

    expect(metrics.services.find((m) => m.service === 'orders')?.points[0]?.requests_per_s).toBeGreaterThan(0);

    orders.mode = 'down';
    await h.agg.tick();
    const incident = await until(s, 'incident');
    orders.mode = 'ready';
    await h.agg.tick();

    expect(incident.incident.updates).toEqual([
      expect.objectContaining({
        state: 'major_outage',
        message: expect.stringContaining('postgres: postgres unreachable'),
      }),
    ]);
  });

  it('refuses an invalid token with 401 rather than silently showing the public view', async () => {
    const err = await sseClient(`${h.agg.url}/api/status/stream`, { authorization: 'Bearer not-a-token' }).catch(
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(SseHttpError);
    expect((err as SseHttpError).status).toBe(401);
  });
});
