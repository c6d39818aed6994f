import type { Redis } from 'ioredis';
import type { Instance, RegisterInstance } from '@platform/contracts';
import { InstanceSchema } from '@platform/contracts';

/** Live instances in Redis: one key per instance with a TTL, plus a set of ids per service as an index. */
export class InstanceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly ttlMs: number,
  ) {}

  private instanceKey(name: string, id: string): string {
    return `${this.prefix}instance:${name}:${id}`;
  }
  private serviceKey(name: string): string {
    return `${this.prefix}service:${name}`;
  }
  private get servicesKey(): string {
    return `${this.prefix}services`;
  }

  async register(input: RegisterInstance): Promise<Instance> {
    const now = new Date().toISOString();
    const previous = await this.get(input.name, input.instance_id);
    const instance: Instance = { ...input, registered_at: previous?.registered_at ?? now, last_heartbeat_at: now };
    await this.redis
      .multi()
      .set(this.instanceKey(input.name, input.instance_id), JSON.stringify(instance), 'PX', this.ttlMs)
      .sadd(this.serviceKey(input.name), input.instance_id)
      .sadd(this.servicesKey, input.name)
      .exec();
    return instance;
  }

  /** Extends an instance's life; false when the registry no longer knows it (it must register again). */
  async heartbeat(name: string, id: string): Promise<boolean> {
    const current = await this.get(name, id);
    if (!current) return false;
    const next: Instance = { ...current, last_heartbeat_at: new Date().toISOString() };
    const ok = await this.redis.set(this.instanceKey(name, id), JSON.stringify(next), 'PX', this.ttlMs, 'XX');
    return ok === 'OK';
  }

  async deregister(name: string, id: string): Promise<boolean> {
    const [[, removed] = [null, 0]] = (await this.redis
      .multi()
      .del(this.instanceKey(name, id))
      .srem(this.serviceKey(name), id)
      .exec()) as Array<[Error | null, number]>;
    return removed === 1;
  }

  async get(name: string, id: string): Promise<Instance | undefined> {
    const raw = await this.redis.get(this.instanceKey(name, id));
    return raw ? InstanceSchema.parse(JSON.parse(raw)) : undefined;
  }

  /** Live instances of one service; ids whose key expired are pruned from the index on the way. */
  async list(name: string): Promise<Instance[]> {
    const ids = await this.redis.smembers(this.serviceKey(name));
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.instanceKey(name, id)));
    const live: Instance[] = [];
    const dead: string[] = [];
    raws.forEach((raw, i) => {
      if (raw) live.push(InstanceSchema.parse(JSON.parse(raw)));
      else dead.push(ids[i] as string);
    });
    if (dead.length > 0) await this.redis.srem(this.serviceKey(name), ...dead);
    return live.sort((a, b) => a.instance_id.localeCompare(b.instance_id));
  }

  async listAll(): Promise<Array<{ name: string; instances: Instance[] }>> {
    const names = (await this.redis.smembers(this.servicesKey)).sort();
    const out = await Promise.all(names.map(async (name) => ({ name, instances: await this.list(name) })));
    const gone = out.filter((s) => s.instances.length === 0).map((s) => s.name);
    if (gone.length > 0) await this.redis.srem(this.servicesKey, ...gone);
    return out.filter((s) => s.instances.length > 0);
  }
}
