import { RegistryResolver } from '@platform/service-client';
import { UpstreamUnavailableError } from '@platform/service-kit';
import { jsonRequest } from '@platform/testing';
import { REGISTRY_TOKEN, bearer, instanceBody, quietLogger, serveRegistry, sleep } from './support';

// RegistryResolver (service-client) against the real registry app, in-process on a free port. It
// lives here rather than beside the resolver because a library may not import an app.
type Registry = Awaited<ReturnType<typeof serveRegistry>>;
let registry: Registry;

beforeAll(async () => {
  // A long TTL: these tests are about the resolver, not about expiry.
  registry = await serveRegistry('registry-resolver', { INSTANCE_TTL_MS: '10000' });
});
afterAll(() => registry.close());

async function register(name: string, count: number): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = instanceBody(name, { instance_id: `${name}-${i}`, url: `http://127.0.0.1:${20_000 + i}` });
    const res = await jsonRequest(registry.url).withHeaders(bearer()).post('/registry/instances', body);
    expect(res.status).toBe(201);
    urls.push(body.url);
  }
  return urls;
}

const resolver = (o: Partial<ConstructorParameters<typeof RegistryResolver>[0]> = {}) =>
  new RegistryResolver({ registryUrl: registry.url, token: REGISTRY_TOKEN, logger: quietLogger(), ...o });

describe('RegistryResolver against the registry', () => {
  it('lists live instances and picks them in round robin', async () => {
    const urls = await register('rr', 3);
    const r = resolver();
    expect((await r.list('rr')).map((i) => i.url)).toEqual(urls);
    const picks = [];
    for (let i = 0; i < 6; i++) picks.push((await r.pick('rr')).url);
    expect(picks).toEqual([...urls, ...urls]);
  });

  it('reuses a lookup for cacheTtlMs before asking the registry again', async () => {
    await register('cached', 1);
    // A TTL that outlasts two registrations on a loaded machine by a wide margin.
    const r = resolver({ cacheTtlMs: 1500 });
    expect(await r.list('cached')).toHaveLength(1);
    await register('cached', 2);
    expect(await r.list('cached')).toHaveLength(1);
    await sleep(1600);
    expect(await r.list('cached')).toHaveLength(2);
  });

  it('leaves an instance marked failed out of rotation until its cooldown passes', async () => {
    const [first, second] = await register('flaky', 2);
    const r = resolver({ failedInstanceCooldownMs: 1000 });
    await r.list('flaky'); // the registry lookup happens before the cooldown starts, not inside it
    r.markFailed('flaky', first!);
    const during = new Set([(await r.pick('flaky')).url, (await r.pick('flaky')).url, (await r.pick('flaky')).url]);
    expect([...during]).toEqual([second]);
    await sleep(1100);
    const after = new Set([(await r.pick('flaky')).url, (await r.pick('flaky')).url]);
    expect(after).toEqual(new Set([first, second]));
  });

  it('says no live instance (503) for a service nobody registered', async () => {
    const err = await resolver().pick('ghost').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(err).toMatchObject({ status: 503, details: { service: 'ghost', reason: 'no live instance registered' } });
  });

  it('treats a registry that rejects its token as unavailable, not as an empty service', async () => {
    await register('guarded', 1);
    const err = await resolver({ token: 'not-the-registry-token' }).list('guarded').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { reason: 'registry unreachable' } });
  });

  // Last: it shuts the registry down.
  it('answers from its stale cache while the registry is down, until staleIfErrorMs has passed', async () => {
    const urls = await register('stale', 2);
    const r = resolver({ cacheTtlMs: 50, staleIfErrorMs: 600, timeoutMs: 300 });
    expect((await r.list('stale')).map((i) => i.url)).toEqual(urls);
    const fetchedAt = Date.now();
    await registry.shutdown();

    await sleep(100);
    expect((await r.list('stale')).map((i) => i.url)).toEqual(urls);
    expect(urls).toContain((await r.pick('stale')).url);

    await sleep(Math.max(0, 650 - (Date.now() - fetchedAt)));
    const err = await r.list('stale').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(err).toMatchObject({ status: 503, details: { reason: 'registry unreachable' }, headers: { 'Retry-After': '1' } });
  });
});
