import { z } from 'zod';
import { EndpointSchema } from './registry';

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
      instances: z.array(z.object({ instance_id: z.string(), url: z.string(), ready: z.boolean(), latency_ms: z.number() })),
    }),
  ),
  timestamp: z.string(),
});
export type ApiHealthResponse = z.infer<typeof ApiHealthResponseSchema>;
