import { z } from 'zod';

export const ServiceNameSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes, starting with a letter');

/** One route a service instance declares, as published by discovery. */
export const EndpointSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'WS']),
  path: z.string().min(1).max(300).startsWith('/'),
  description: z.string().max(500).default(''),
  tags: z.array(z.string().max(50)).max(20).default([]),
  public: z.boolean().default(false),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

export const RegisterInstanceRequestSchema = z.object({
  name: ServiceNameSchema,
  instance_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/),
  url: z.url({ protocol: /^https?$/ }),
  version: z.string().min(1).max(64),
  health_path: z.string().startsWith('/').default('/health'),
  ready_path: z.string().startsWith('/').default('/ready'),
  endpoints: z.array(EndpointSchema).max(500).default([]),
  metadata: z.record(z.string(), z.string().max(500)).default({}),
});
export type RegisterInstanceRequest = z.input<typeof RegisterInstanceRequestSchema>;
export type RegisterInstance = z.output<typeof RegisterInstanceRequestSchema>;

export const InstanceSchema = RegisterInstanceRequestSchema.extend({
  registered_at: z.string(),
  last_heartbeat_at: z.string(),
});
export type Instance = z.infer<typeof InstanceSchema>;

export const RegisterInstanceResponseSchema = z.object({
  instance: InstanceSchema,
  ttl_ms: z.number().int().positive(),
  heartbeat_interval_ms: z.number().int().positive(),
});
export type RegisterInstanceResponse = z.infer<typeof RegisterInstanceResponseSchema>;

export const InstanceParamsSchema = z.object({ name: ServiceNameSchema, instance_id: z.string().min(1).max(128) });

export const ServiceInstancesResponseSchema = z.object({
  name: ServiceNameSchema,
  instances: z.array(InstanceSchema),
});
export type ServiceInstancesResponse = z.infer<typeof ServiceInstancesResponseSchema>;

export const ServiceListResponseSchema = z.object({ services: z.array(ServiceInstancesResponseSchema) });
export type ServiceListResponse = z.infer<typeof ServiceListResponseSchema>;
