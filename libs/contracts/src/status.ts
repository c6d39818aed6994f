import { z } from 'zod';
import { KeysetCursorSchema, pageOf } from './common';
import { ServiceNameSchema } from './registry';

/** Statuspage's component states, best first. */
export const ComponentStateSchema = z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage']);
export type ComponentState = z.infer<typeof ComponentStateSchema>;

/** How one instance answered its readiness probe: serving, serving with some checks failing, or not serving. */
export const InstanceHealthSchema = z.enum(['up', 'impaired', 'down']);
export type InstanceHealth = z.infer<typeof InstanceHealthSchema>;

/** One probed instance; admin-only (it names internal URLs and dependency errors). */
export const InstanceStatusSchema = z.object({
  instance_id: z.string(),
  url: z.string(),
  version: z.string(),
  health: InstanceHealthSchema,
  latency_ms: z.number().int().nonnegative(),
  failing_checks: z.array(z.string()),
  error: z.string().optional(),
});
export type InstanceStatus = z.infer<typeof InstanceStatusSchema>;

/** A service as the status page shows it. Uptimes are fractions (0..1); null until there is history. */
export const ComponentSchema = z.object({
  name: z.string(),
  state: ComponentStateSchema,
  required: z.boolean(),
  instances: z.object({ total: z.number().int().nonnegative(), up: z.number().int().nonnegative() }),
  uptime_24h: z.number().min(0).max(1).nullable(),
  uptime_7d: z.number().min(0).max(1).nullable(),
  consecutive_failures: z.number().int().nonnegative(),
  /** Mean time from an incident's start to its resolution over the last 7 days; null without one. */
  mean_time_to_recover_ms: z.number().int().nonnegative().nullable(),
  last_change_at: z.string(),
  last_checked_at: z.string(),
  /** Present for admins only. */
  instance_details: z.array(InstanceStatusSchema).optional(),
});
export type Component = z.infer<typeof ComponentSchema>;

export const ComponentsResponseSchema = z.object({
  status: ComponentStateSchema,
  components: z.array(ComponentSchema),
  timestamp: z.string(),
});
export type ComponentsResponse = z.infer<typeof ComponentsResponseSchema>;

/** BullMQ job counts of one queue; null when Redis could not be read. */
export const QueueDepthSchema = z.object({
  name: z.string(),
  waiting: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type QueueDepth = z.infer<typeof QueueDepthSchema>;

/** `GET /api/production-status`: the seeds' aggregated production status. */
export const ProductionStatusSchema = z.object({
  status: ComponentStateSchema,
  description: z.string(),
  services: z.record(z.string(), ComponentStateSchema),
  channels_count: z.number().int().nonnegative().nullable(),
  queues: z.array(QueueDepthSchema),
  timestamp: z.string(),
});
export type ProductionStatus = z.infer<typeof ProductionStatusSchema>;

/** `GET /api/status/history?service=&since=`: at most 7 days back (or the retention, if shorter). */
export const StatusHistoryQuerySchema = z.strictObject({
  service: ServiceNameSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});
export type StatusHistoryQuery = z.infer<typeof StatusHistoryQuerySchema>;

/** One time bucket of a component's samples: its worst state and its uptime within the bucket. */
export const HistoryPointSchema = z.object({
  at: z.string(),
  state: ComponentStateSchema,
  uptime: z.number().min(0).max(1),
  samples: z.number().int().positive(),
  latency_ms: z.number().nullable(),
});
export type HistoryPoint = z.infer<typeof HistoryPointSchema>;

export const StateChangeSchema = z.object({
  at: z.string(),
  from: ComponentStateSchema.nullable(),
  to: ComponentStateSchema,
});
export type StateChange = z.infer<typeof StateChangeSchema>;

export const StatusHistoryResponseSchema = z.object({
  since: z.string(),
  until: z.string(),
  bucket_ms: z.number().int().positive(),
  series: z.array(
    z.object({ service: z.string(), points: z.array(HistoryPointSchema), changes: z.array(StateChangeSchema) }),
  ),
});
export type StatusHistoryResponse = z.infer<typeof StatusHistoryResponseSchema>;

export const IncidentStatusSchema = z.enum(['open', 'resolved']);
export type IncidentStatus = z.infer<typeof IncidentStatusSchema>;

export const IncidentUpdateSchema = z.object({ at: z.string(), state: ComponentStateSchema, message: z.string() });
export type IncidentUpdate = z.infer<typeof IncidentUpdateSchema>;

/** An automatic incident: opened when a component enters an outage, resolved when it is operational again. */
export const IncidentSchema = z.object({
  id: z.uuid(),
  service: z.string(),
  title: z.string(),
  /** The worst state the component reached during the incident. */
  impact: ComponentStateSchema,
  status: IncidentStatusSchema,
  started_at: z.string(),
  resolved_at: z.string().nullable(),
  duration_ms: z.number().int().nonnegative().nullable(),
  /** The timeline with probe details; admins only. */
  updates: z.array(IncidentUpdateSchema).optional(),
});
export type Incident = z.infer<typeof IncidentSchema>;

export const IncidentListQuerySchema = z.strictObject({
  status: IncidentStatusSchema.optional(),
  service: ServiceNameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: KeysetCursorSchema.optional(),
});
export type IncidentListQuery = z.infer<typeof IncidentListQuerySchema>;
export const IncidentListResponseSchema = pageOf(IncidentSchema);
export type IncidentListResponse = z.infer<typeof IncidentListResponseSchema>;

/** One point of a service's request metrics, summed over its instances (probe routes excluded). */
export const MetricsPointSchema = z.object({
  at: z.string(),
  requests_per_s: z.number().nonnegative(),
  error_ratio: z.number().min(0).max(1).nullable(),
  latency_avg_ms: z.number().nonnegative().nullable(),
  latency_p95_ms: z.number().nonnegative().nullable(),
});
export type MetricsPoint = z.infer<typeof MetricsPointSchema>;

export const ServiceMetricsSchema = z.object({ service: z.string(), points: z.array(MetricsPointSchema) });
export type ServiceMetrics = z.infer<typeof ServiceMetricsSchema>;

/** `GET /api/status/metrics` (admins): a short in-memory time series per service. */
export const StatusMetricsResponseSchema = z.object({ services: z.array(ServiceMetricsSchema), timestamp: z.string() });
export type StatusMetricsResponse = z.infer<typeof StatusMetricsResponseSchema>;

/**
 * `GET /api/status/stream` events (SSE `event:` = `type`). A `snapshot` opens every connection, so a
 * reconnecting client needs no Last-Event-ID; `metrics` and instance details go to admins only.
 */
export const StatusStreamEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('snapshot'),
    status: ComponentStateSchema,
    components: z.array(ComponentSchema),
    queues: z.array(QueueDepthSchema),
    channels_count: z.number().int().nonnegative().nullable(),
    metrics: z.array(ServiceMetricsSchema).optional(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('component'),
    component: ComponentSchema,
    previous: ComponentStateSchema.nullable(),
    at: z.string(),
  }),
  z.object({
    type: z.literal('platform'),
    status: ComponentStateSchema,
    previous: ComponentStateSchema,
    at: z.string(),
  }),
  z.object({ type: z.literal('incident'), incident: IncidentSchema, at: z.string() }),
  z.object({ type: z.literal('queues'), queues: z.array(QueueDepthSchema), at: z.string() }),
  z.object({ type: z.literal('metrics'), services: z.array(ServiceMetricsSchema), at: z.string() }),
]);
export type StatusStreamEvent = z.infer<typeof StatusStreamEventSchema>;

/** `GET /internal/channels/count` (channels, service tokens only): how many channels exist. */
export const InternalChannelCountResponseSchema = z.object({ count: z.number().int().nonnegative() });
export type InternalChannelCountResponse = z.infer<typeof InternalChannelCountResponseSchema>;
