import { z } from 'zod';

/**
 * A keyset cursor as db-kit writes it: base64url of a JSON array (so it starts with `WyI`, `["`).
 * The pattern is for the generated document; the service decodes and checks the rest.
 */
export const KeysetCursorSchema = z
  .string()
  .min(1)
  .max(512)
  .meta({ pattern: '^WyI[A-Za-z0-9_-]*$', description: 'Opaque: the next_cursor of the previous page' });

/** Cursor pagination query shared by every list endpoint. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: KeysetCursorSchema.optional(),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

/** A page of items with the opaque cursor of the next page (null on the last page). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}
export type Page<T> = { items: T[]; next_cursor: string | null };

/** `/health`: the process is alive. */
export const HealthResponseSchema = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
  /** Absent where `/health` is public (the gateway): instance ids are for operators. */
  instance_id: z.string().optional(),
  uptime_s: z.number(),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

export const DependencyCheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  latency_ms: z.number(),
  error: z.string().optional(),
});
export type DependencyCheck = z.infer<typeof DependencyCheckSchema>;

/** `/ready`: every dependency the service needs is reachable (503 with the same body when not). */
export const ReadyResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  service: z.string(),
  checks: z.array(DependencyCheckSchema),
});
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>;

export const UuidSchema = z.uuid();
export const IdParamsSchema = z.object({ id: z.uuid() });
export type IdParams = z.infer<typeof IdParamsSchema>;
