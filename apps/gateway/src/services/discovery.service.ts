import {
  ServiceListResponseSchema,
  type ApiHealthResponse,
  type DiscoveryResponse,
  type EndpointsResponse,
  type Instance,
  type ServiceInfoResponse,
} from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';
import type { RouteRule } from '../route-table';
import { GATEWAY_ENDPOINTS } from '../routes/endpoints';

async function probeReady(instance: Instance, timeoutMs: number): Promise<{ ready: boolean; latency_ms: number }> {
  const started = Date.now();
  try {
    const res = await fetch(new URL(instance.ready_path, instance.url), { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { ready: res.ok, latency_ms: Date.now() - started };
  } catch {
    return { ready: false, latency_ms: Date.now() - started };
  }
}

/** What the platform offers, read from the registry: services, their endpoints and readiness. */
export class DiscoveryService {
  constructor(
    private readonly registry: ServiceClient,
    private readonly routes: RouteRule[],
    private readonly version: string,
    /** Services whose absence makes the platform down; defaults to every routed service. */
    private readonly required: string[] = [...new Set(routes.map((r) => r.service))],
  ) {}

  private async services() {
    const { data } = await this.registry.request({ method: 'GET', path: '/registry/services', schema: ServiceListResponseSchema });
    return data.services;
  }

  async discovery(): Promise<DiscoveryResponse> {
    const all = await this.services();
    const gatewayInstances = all.find((s) => s.name === 'gateway')?.instances.length ?? 1;
    const services = all.filter((s) => s.name !== 'gateway');
    return {
      gateway: { service_name: 'gateway', version: this.version },
      services: [
        { service_name: 'gateway', version: this.version, endpoints: GATEWAY_ENDPOINTS.map(strip), health_check: '/health', instances: gatewayInstances },
        ...services.map((s) => {
          const seen = new Map<string, ReturnType<typeof strip>>();
          for (const i of s.instances) for (const e of i.endpoints) seen.set(`${e.method} ${e.path}`, strip(e));
          const first = s.instances[0];
          return {
            service_name: s.name,
            version: first?.version ?? 'unknown',
            endpoints: [...seen.values()],
            health_check: first?.health_path ?? '/health',
            instances: s.instances.length,
          };
        }),
      ],
      timestamp: new Date().toISOString(),
    };
  }

  async endpoints(): Promise<EndpointsResponse> {
    const d = await this.discovery();
    return { endpoints: d.services.flatMap((s) => s.endpoints.map((e) => ({ service: s.service_name, ...e }))) };
  }

  info(): ServiceInfoResponse {
    return {
      name: 'gateway',
      version: this.version,
      description: 'API gateway of the agent platform: routing, edge authentication, rate limits, circuit breakers',
      health_endpoint: '/health',
      documentation_url: '/api/docs',
      routes: this.routes.map((r) => ({ prefix: r.prefix, service: r.service, public: (r.publicPaths?.length ?? 0) > 0 })),
    };
  }

  /**
   * Readiness of every registered instance, probed in parallel with a bound on each probe. Instance ids
   * and URLs (the platform's internals) only with `details`.
   */
  async health(o: { details: boolean; timeoutMs?: number }): Promise<ApiHealthResponse> {
    const services = await this.services();
    const rows: ApiHealthResponse['services'] = await Promise.all(
      services.map(async (s) => {
        const instances = await Promise.all(
          s.instances.map(async (i) => ({ instance_id: i.instance_id, url: i.url, ...(await probeReady(i, o.timeoutMs ?? 1000)) })),
        );
        const ready = instances.filter((i) => i.ready).length;
        const status: 'up' | 'degraded' | 'down' = ready === 0 ? 'down' : ready < instances.length ? 'degraded' : 'up';
        return { name: s.name, status, instance_count: { total: instances.length, ready }, ...(o.details ? { instances } : {}) };
      }),
    );
    for (const name of this.required) {
      if (!rows.some((r) => r.name === name)) rows.push({ name, status: 'down', instance_count: { total: 0, ready: 0 }, ...(o.details ? { instances: [] } : {}) });
    }
    const status = rows.every((r) => r.status === 'up') ? 'ok' : rows.some((r) => r.status === 'down') ? 'down' : 'degraded';
    return { status, services: rows.sort((a, b) => a.name.localeCompare(b.name)), timestamp: new Date().toISOString() };
  }
}

function strip(e: { path: string; method: string; description?: string | undefined; tags?: string[] | undefined }) {
  return { path: e.path, method: e.method as Instance['endpoints'][number]['method'], description: e.description ?? '', tags: e.tags ?? [] };
}
