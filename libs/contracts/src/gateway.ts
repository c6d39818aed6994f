import { z } from 'zod';
import { EndpointSchema } from './registry';
import { HealthResponseSchema } from './common';
import { ComponentStateSchema } from './status';

/** `GET /api/discovery`: one entry per service, as in the seeds' APIDiscoveryResponse. */
export const ServiceDiscoverySchema = z.object({
  service_name: z.string(),
  version: z.string(),
  endpoints: z.array(EndpointSchema.pick({ path: true, method: true, description: true, tags: true })),
  health_check: z.string(),
  instances: z.number().int(),
});
export type ServiceDiscovery = z.infer<typeof ServiceDiscoverySchema>;
export const DiscoveryResponseSchema = z.object({
  gateway: z.object({ service_name: z.string(), version: z.string() }),
  services: z.array(ServiceDiscoverySchema),
  timestamp: z.string(),
});
export type DiscoveryResponse = z.infer<typeof DiscoveryResponseSchema>;

export const EndpointsResponseSchema = z.object({
  endpoints: z.array(
    z.object({ service: z.string(), method: z.string(), path: z.string(), description: z.string(), tags: z.array(z.string()) }),
  ),
});
export type EndpointsResponse = z.infer<typeof EndpointsResponseSchema>;

export const ServiceInfoResponseSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string(),
  health_endpoint: z.string(),
  documentation_url: z.string().nullable(),
  routes: z.array(z.object({ prefix: z.string(), service: z.string(), public: z.boolean() })),
});
export type ServiceInfoResponse = z.infer<typeof ServiceInfoResponseSchema>;

export const ApiHealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  services: z.array(
    z.object({
      name: z.string(),
      status: z.enum(['up', 'degraded', 'down']),
      /** Registered and ready instances: what anyone may know. */
      instance_count: z.object({ total: z.number().int().nonnegative(), ready: z.number().int().nonnegative() }),
      /** Each instance's id and internal URL: admins only (a bearer token with role admin). */
      instances: z.array(z.object({ instance_id: z.string(), url: z.string(), ready: z.boolean(), latency_ms: z.number() })).optional(),
    }),
  ),
  timestamp: z.string(),
});
export type ApiHealthResponse = z.infer<typeof ApiHealthResponseSchema>;

/** `GET /`: what this platform is, the services the registry knows, and where to go next. */
export const SystemInfoResponseSchema = z.object({
  name: z.string(),
  description: z.string(),
  version: z.string(),
  /** `unavailable` when the registry could not be read (services is then empty). */
  registry: z.enum(['ok', 'unavailable']),
  services: z.array(z.object({ name: z.string(), instances: z.number().int().nonnegative(), versions: z.array(z.string()) })),
  links: z.record(z.string(), z.string()),
  timestamp: z.string(),
});
export type SystemInfoResponse = z.infer<typeof SystemInfoResponseSchema>;

/** The platform as status-aggregator last saw it; `unknown` while it cannot be asked. */
export const PlatformSummarySchema = z.object({
  status: z.union([ComponentStateSchema, z.literal('unknown')]),
  description: z.string().nullable(),
  services: z.record(z.string(), ComponentStateSchema),
  /** When status-aggregator last answered (null: never); the gateway asks again in the background after PLATFORM_STATUS_CACHE_MS. */
  checked_at: z.string().nullable(),
  /** Why the status is `unknown`. */
  error: z.string().optional(),
});
export type PlatformSummary = z.infer<typeof PlatformSummarySchema>;

/** The gateway's `GET /health`: its own liveness (always `ok` while it answers) plus the platform summary. */
export const GatewayHealthResponseSchema = HealthResponseSchema.extend({ platform: PlatformSummarySchema });
export type GatewayHealthResponse = z.infer<typeof GatewayHealthResponseSchema>;

/** `GET /media`: the streaming and asset endpoints, and the limits a client must stay within. */
export const MediaInfoResponseSchema = z.object({
  streams: z.array(
    z.object({
      path: z.string(),
      protocol: z.enum(['sse', 'websocket']),
      content_type: z.string(),
      auth: z.enum(['bearer', 'bearer_or_query_token', 'none']),
      resumable: z.boolean(),
      description: z.string(),
    }),
  ),
  assets: z.array(z.object({ path: z.string(), content_type: z.string(), auth: z.literal('none'), description: z.string() })),
  request_content_types: z.array(z.string()),
  limits: z.object({
    json_body_limit: z.string(),
    json_body_bytes: z.number().int().positive(),
    upstream_timeout_ms: z.number().int().positive(),
    rate_limit_default_per_min: z.number().int().positive().nullable(),
    query_message_max_chars: z.number().int().positive(),
    test_output_max_chars: z.number().int().positive(),
    genesis_description_max_chars: z.number().int().positive(),
  }),
  timestamp: z.string(),
});
export type MediaInfoResponse = z.infer<typeof MediaInfoResponseSchema>;
