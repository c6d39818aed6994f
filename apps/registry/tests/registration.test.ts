import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceInstancesResponseSchema } from '@platform/contracts';
import { RegistryRegistration } from '@platform/service-kit';
import { freePort, jsonRequest } from '@platform/testing';
import { HEARTBEAT_MS, REGISTRY_TOKEN, bearer, instanceBody, quietLogger, serveRegistry, sleep } from './support';

type Registry = Awaited<ReturnType<typeof serveRegistry>>;
let registry: Registry;

beforeAll(async () => {
  registry = await serveRegistry('registry-registration');
});
afterAll(async () => {
  await registry.shutdown();
  await registry.close();
});

/**
 * A pass-through proxy in front of the real registry that can hold back requests of one method, so a
 * heartbeat or registration is reliably still in flight when the instance stops.
 */
async function delayingProxy(target: string) {
  let held: { method: string; ms: number; arrived: () => void } | undefined;
  const server = http.createServer((req, res) => {
    const forward = () => {
      const up = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (held && req.method === held.method) {
      held.arrived();
      setTimeout(forward, held.ms);
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Holds back the next requests of `method` by `ms`; resolves when the first one arrives. */
    hold: (method: string, ms: number) => new Promise<void>((arrived) => (held = { method, ms, arrived })),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const registryApi = () => jsonRequest(registry.url).withHeaders(bearer());
const listedIds = async (name: string) =>
  (await registryApi().get(`/registry/services/${name}`, { schema: ServiceInstancesResponseSchema })).body.instances.map((i) => i.instance_id);

function registration(registryUrl: string, name: string) {
  const instance = instanceBody(name);
  const reg = new RegistryRegistration({ registryUrl, token: REGISTRY_TOKEN, instance, logger: quietLogger() });
  return { reg, id: instance.instance_id };
}

describe('RegistryRegistration against the real registry', () => {
  it('stays deregistered when it stops while a heartbeat is in flight', async () => {
    const proxy = await delayingProxy(registry.url);
    const { reg, id } = registration(proxy.url, 'racer');
    try {
      await reg.start();
      expect(await listedIds('racer')).toEqual([id]);
      await proxy.hold('PUT', 150);
      await reg.stop();
      await sleep(HEARTBEAT_MS + 150);
      expect(await listedIds('racer')).toEqual([]);
    } finally {
      await reg.stop();
      await proxy.close();
    }
  });

  it('stays deregistered when it stops while re-registering', async () => {
    const proxy = await delayingProxy(registry.url);
    const { reg, id } = registration(proxy.url, 'phoenix');
    try {
      await reg.start();
      await registry.redis.del(`${registry.prefix}instance:phoenix:${id}`);
      await proxy.hold('POST', 150);
      await reg.stop();
      await sleep(HEARTBEAT_MS + 150);
      expect(await listedIds('phoenix')).toEqual([]);
    } finally {
      await reg.stop();
      await proxy.close();
    }
  });

  it('does not hold up start-up when the registry is unreachable', async () => {
    const { reg, id } = registration(`http://127.0.0.1:${await freePort()}`, 'early');
    const started = Date.now();
    await reg.start();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(reg.isRegistered).toBe(false);
    await reg.stop();
    expect(await listedIds('early')).not.toContain(id);
  });
});
