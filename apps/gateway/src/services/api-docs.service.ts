import { OpenApiDocumentSchema, type ApiDocsLinksResponse, type OpenApiDocument } from '@platform/contracts';
import { ServiceClient, type BreakerRegistry, type InstanceResolver } from '@platform/service-client';
import { errorFields, type Logger } from '@platform/service-kit';
import { matchRoute, type RouteRule } from '../route-table';
import { mergeOpenApiDocuments, type ServiceDocument } from './openapi-merge';

export interface ApiDocsOptions {
  /** Finds service instances through the registry (the gateway's own resolver). */
  resolver: InstanceResolver;
  /** The breakers the proxy uses: a service whose breaker is open is not asked again. */
  breakers: BreakerRegistry;
  logger: Logger;
  routes: RouteRule[];
  /** The gateway's own document, merged first. */
  gateway: OpenApiDocument;
  version: string;
  /** How long a complete merged document is served before services are asked again. */
  cacheMs?: number;
  /** The same while some service could not be read: sooner, so it reappears soon after it is back. */
  incompleteCacheMs?: number;
  /** Per service; a slow service must not hold the documentation up. */
  timeoutMs?: number;
}

interface Merged {
  doc: OpenApiDocument;
  services: ApiDocsLinksResponse['services'];
}

/**
 * The platform's merged OpenAPI document: each routed service's `/openapi.json`, read through the
 * registry with a short timeout and its breaker, merged with the gateway's own, cached briefly.
 * A service that is down keeps its last good copy; one never read is listed as unavailable.
 */
export class ApiDocsService {
  private readonly clients = new Map<string, ServiceClient>();
  private readonly lastGood = new Map<string, OpenApiDocument>();
  private cached: { until: number; merged: Merged } | undefined;
  private building: Promise<Merged> | undefined;

  constructor(private readonly o: ApiDocsOptions) {}

  /** Routed services in routing-table order (the registry is not routed, so not documented here). */
  get services(): string[] {
    return [...new Set(this.o.routes.map((r) => r.service))];
  }

  async document(): Promise<OpenApiDocument> {
    return (await this.merged()).doc;
  }

  async servicesStatus(): Promise<ApiDocsLinksResponse['services']> {
    return (await this.merged()).services;
  }

  private async merged(): Promise<Merged> {
    if (this.cached && Date.now() < this.cached.until) return this.cached.merged;
    // Concurrent readers share one round of fetches.
    this.building ??= this.build().finally(() => (this.building = undefined));
    return this.building;
  }

  private async build(): Promise<Merged> {
    const fetched = await Promise.all(this.services.map(async (s) => ({ service: s, doc: await this.fetch(s) })));
    const docs: ServiceDocument[] = [{ service: 'gateway', doc: this.o.gateway, stale: false }];
    const services: Merged['services'] = [];
    for (const { service, doc } of fetched) {
      const copy = doc ?? this.lastGood.get(service);
      if (copy) docs.push({ service, doc: copy, stale: doc === undefined });
      services.push({
        name: service,
        status: doc ? 'available' : copy ? 'stale' : 'unavailable',
        version: copy?.info.version ?? null,
        operations: copy ? countOperations(copy) : 0,
      });
    }
    const doc = mergeOpenApiDocuments(
      { title: 'Agent platform API', version: this.o.version, description: DESCRIPTION },
      docs,
      {
        routable: (path) => matchRoute(this.o.routes, path) !== undefined || this.o.gateway.paths[path] !== undefined,
        unavailable: services.filter((s) => s.status === 'unavailable').map((s) => s.name),
      },
    );
    const merged = { doc, services };
    const complete = services.every((s) => s.status === 'available');
    this.cached = {
      until: Date.now() + (complete ? (this.o.cacheMs ?? 10_000) : (this.o.incompleteCacheMs ?? 2000)),
      merged,
    };
    return merged;
  }

  private async fetch(service: string): Promise<OpenApiDocument | undefined> {
    try {
      const { data } = await this.client(service).request({
        method: 'GET',
        path: '/openapi.json',
        schema: OpenApiDocumentSchema,
        anonymous: true,
      });
      this.lastGood.set(service, data);
      return data;
    } catch (err) {
      this.o.logger.warn('could not read a service document', { target: service, ...errorFields(err) });
      return undefined;
    }
  }

  private client(service: string): ServiceClient {
    let client = this.clients.get(service);
    if (!client) {
      const { resolver, breakers, logger } = this.o;
      client = new ServiceClient({
        target: service,
        resolver,
        breakers,
        logger,
        timeoutMs: this.o.timeoutMs ?? 2000,
        retries: 0,
      });
      this.clients.set(service, client);
    }
    return client;
  }
}

function countOperations(doc: OpenApiDocument): number {
  return Object.values(doc.paths).reduce(
    (n, item) => n + Object.keys(item).filter((k) => k !== 'parameters' && !k.startsWith('x-')).length,
    0,
  );
}

const DESCRIPTION = [
  'Every public route of the platform, merged by the gateway from the documents the services generate from their zod contracts.',
  'Errors always use one envelope: `{error, error_code, details?, request_id, timestamp}`.',
  'Routes marked with a lock need `Authorization: Bearer <access token>` from `POST /auth/login`.',
].join('\n\n');
