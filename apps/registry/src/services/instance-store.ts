import type { Redis } from 'ioredis';
import type { Instance, RegisterInstance } from '@platform/contracts';
import { InstanceSchema } from '@platform/contracts';

/**
 * Removes members ARGV[i] from the index set KEYS[1] only while the key KEYS[i + 1] they stand for
 * is still gone (no instance key / an empty service index). Checked atomically: a plain SREM after
 * reading could drop a member that registered again in between, leaving a live, heartbeating
 * instance missing from every listing.
 */
const PRUNE_IF_GONE = `
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then redis.call('SREM', KEYS[1], ARGV[i]) end
end
return 0`;

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
    if (dead.length > 0) {
      const keys = dead.map((id) => this.instanceKey(name, id));
      await this.redis.eval(PRUNE_IF_GONE, 1 + keys.length, this.serviceKey(name), ...keys, ...dead);
    }
    return live.sort((a, b) => a.instance_id.localeCompare(b.instance_id));
  }

  async listAll(): Promise<Array<{ name: string; instances: Instance[] }>> {
    const names = (await this.redis.smembers(this.servicesKey)).sort();
    const out = await Promise.all(names.map(async (name) => ({ name, instances: await this.list(name) })));
    const gone = out.filter((s) => s.instances.length === 0).map((s) => s.name);
    if (gone.length > 0) {
      const keys = gone.map((name) => this.serviceKey(name));
      await this.redis.eval(PRUNE_IF_GONE, 1 + keys.length, this.servicesKey, ...keys, ...gone);
    }
    return out.filter((s) => s.instances.length > 0);
  }
}
