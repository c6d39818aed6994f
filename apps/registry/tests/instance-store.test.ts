import { Redis } from 'ioredis';
import type { RegisterInstance } from '@platform/contracts';
import { cleanupRedisPrefix, redisPrefix, testRedisUrl } from '@platform/testing';
import { InstanceStore } from '../src/services/instance-store';

const prefix = redisPrefix('instance-store');
// Two connections, as two registry replicas (or one busy one) would interleave commands.
const a = new Redis(testRedisUrl());
const b = new Redis(testRedisUrl());
const listing = new InstanceStore(a, prefix, 10_000);
const registering = new InstanceStore(b, prefix, 10_000);

afterAll(async () => {
  await cleanupRedisPrefix(prefix, a);
  a.disconnect();
  b.disconnect();
});

const input = (name: string, id: string): RegisterInstance => ({
  name,
  instance_id: id,
  url: 'http://127.0.0.1:9',
  version: '1',
  health_path: '/health',
  ready_path: '/ready',
  endpoints: [],
  metadata: {},
});

describe('InstanceStore', () => {
  it('never drops an instance that registers again while a listing prunes its expired entry', async () => {
    const lost: string[] = [];
    for (let i = 0; i < 150; i++) {
      const id = `svc-${i}`;
      await registering.register(input('race', id));
      await b.del(`${prefix}instance:race:${id}`); // expired, but still in the service index
      await Promise.all([listing.list('race'), registering.register(input('race', id))]);
      if (!(await listing.list('race')).some((x) => x.instance_id === id)) lost.push(id);
      await registering.deregister('race', id);
    }
    expect(lost).toEqual([]);
  });

  it('never drops a service from the service list while one of its instances registers', async () => {
    const lost: string[] = [];
    for (let i = 0; i < 150; i++) {
      const name = `svc-${i}`;
      await registering.register(input(name, 'only'));
      await b.del(`${prefix}instance:${name}:only`);
      await Promise.all([listing.listAll(), registering.register(input(name, 'only'))]);
      if (!(await listing.listAll()).some((s) => s.name === name)) lost.push(name);
      await registering.deregister(name, 'only');
    }
    expect(lost).toEqual([]);
  });
});
