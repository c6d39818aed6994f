import { ServiceInstancesResponseSchema, type Instance } from '@platform/contracts';
import { UpstreamUnavailableError, errorFields, type Logger } from '@platform/service-kit';

/** Finds live instances of a service by name. */
export interface InstanceResolver {
  /** Picks the next healthy instance (round robin), or throws UpstreamUnavailableError. */
  pick(service: string): Promise<Instance>;
  list(service: string): Promise<Instance[]>;
  /** Takes an instance out of rotation for a while after a connection failure. */
  markFailed(service: string, instanceUrl: string): void;
}

interface CacheEntry {
  instances: Instance[];
  fetchedAt: number;
  inflight?: Promise<Instance[]>;
}

export interface RegistryResolverOptions {
  registryUrl: string;
  token: string;
  logger: Logger;
  /** How long a lookup is reused before asking the registry again. */
  cacheTtlMs?: number;
  /** How long a stale answer may still be used while the registry is unreachable. */
  staleIfErrorMs?: number;
  /** How long an instance that refused a connection stays out of rotation. */
  failedInstanceCooldownMs?: number;
  timeoutMs?: number;
}

/** Resolves services through the registry: cached, round-robin, stale-if-error, skipping recently failed instances. */
export class RegistryResolver implements InstanceResolver {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cursors = new Map<string, number>();
  private readonly failed = new Map<string, number>();

  constructor(private readonly o: RegistryResolverOptions) {}

  async list(service: string): Promise<Instance[]> {
    const ttl = this.o.cacheTtlMs ?? 1000;
    const entry = this.cache.get(service);
    const now = Date.now();
    if (entry && now - entry.fetchedAt < ttl) return entry.instances;
    if (entry?.inflight) return entry.inflight;
    const inflight = this.fetchInstances(service)
      .then((instances) => {
        this.cache.set(service, { instances, fetchedAt: Date.now() });
        return instances;
      })
      .catch((err: unknown) => {
        const stale = this.cache.get(service);
        if (stale && Date.now() - stale.fetchedAt < (this.o.staleIfErrorMs ?? 30_000)) {
          delete stale.inflight;
          this.o.logger.warn('registry unreachable; using cached instances', { service, ...errorFields(err) });
          return stale.instances;
        }
        this.cache.delete(service);
        throw new UpstreamUnavailableError(service, 1, 'registry unreachable', err);
      });
    this.cache.set(service, { instances: entry?.instances ?? [], fetchedAt: entry?.fetchedAt ?? 0, inflight });
    return inflight;
  }

  async pick(service: string): Promise<Instance> {
    const all = await this.list(service);
    const now = Date.now();
    const healthy = all.filter((i) => (this.failed.get(i.url) ?? 0) <= now);
    const pool = healthy.length > 0 ? healthy : all;
    if (pool.length === 0) throw new UpstreamUnavailableError(service, 1, 'no live instance registered');
    const n = this.cursors.get(service) ?? 0;
    this.cursors.set(service, n + 1);
    return pool[n % pool.length] as Instance;
  }

  markFailed(service: string, instanceUrl: string): void {
    this.failed.set(instanceUrl, Date.now() + (this.o.failedInstanceCooldownMs ?? 2000));
    const entry = this.cache.get(service);
    // A refused connection often means the instance died: look again soon instead of waiting for the TTL.
    if (entry) entry.fetchedAt = Math.min(entry.fetchedAt, Date.now() - (this.o.cacheTtlMs ?? 1000) + 200);
  }

  private async fetchInstances(service: string): Promise<Instance[]> {
    const res = await fetch(new URL(`/registry/services/${encodeURIComponent(service)}`, this.o.registryUrl), {
      headers: { authorization: `Bearer ${this.o.token}` },
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 1500),
    });
    if (!res.ok) throw new Error(`registry answered ${res.status}`);
    return ServiceInstancesResponseSchema.parse(await res.json()).instances;
  }
}

/** Fixed instances, for tests and for pointing at a service without a registry. */
export class StaticResolver implements InstanceResolver {
  private n = 0;
  constructor(private readonly table: Record<string, string[]>) {}
  async list(service: string): Promise<Instance[]> {
    const now = new Date().toISOString();
    return (this.table[service] ?? []).map((url, i) => ({
      name: service,
      instance_id: `${service}-${i}`,
      url,
      version: 'static',
      health_path: '/health',
      ready_path: '/ready',
      endpoints: [],
      metadata: {},
      registered_at: now,
      last_heartbeat_at: now,
    }));
  }
  async pick(service: string): Promise<Instance> {
    const all = await this.list(service);
    if (all.length === 0) throw new UpstreamUnavailableError(service, 1, 'no live instance registered');
    return all[this.n++ % all.length] as Instance;
  }
  markFailed(): void {
    // Static instances are never taken out of rotation.
  }
}
