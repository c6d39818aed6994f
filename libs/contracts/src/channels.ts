import { z } from 'zod';
import { PageQuerySchema, pageOf } from './common';

// Postgres text cannot hold NUL: refuse it as bad input rather than fail the write.
const noNul = (s: string) => !s.includes('\0');
const ChannelNameSchema = z.string().trim().min(1).max(100).refine(noNul, 'must not contain NUL characters');
const ChannelDescriptionSchema = z.string().max(2000).refine(noNul, 'must not contain NUL characters');

export const ChannelSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  owner_id: z.uuid(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Channel = z.infer<typeof ChannelSchema>;

export const ChannelCreateRequestSchema = z.strictObject({
  name: ChannelNameSchema,
  description: ChannelDescriptionSchema.nullable().optional(),
});
export type ChannelCreateRequest = z.infer<typeof ChannelCreateRequestSchema>;

/** PUT replaces name and description. */
export const ChannelReplaceRequestSchema = z.strictObject({
  name: ChannelNameSchema,
  description: ChannelDescriptionSchema.nullable().default(null),
});
export type ChannelReplaceRequest = z.infer<typeof ChannelReplaceRequestSchema>;

/** PATCH changes only what it names. */
export const ChannelPatchRequestSchema = z
  .strictObject({ name: ChannelNameSchema.optional(), description: ChannelDescriptionSchema.nullable().optional() })
  .refine((b) => b.name !== undefined || b.description !== undefined, { message: 'nothing to update' })
  .meta({ minProperties: 1 }); // the refinement, for the generated OpenAPI document
export type ChannelPatchRequest = z.infer<typeof ChannelPatchRequestSchema>;

export const ChannelListQuerySchema = PageQuerySchema;
export type ChannelListQuery = z.infer<typeof ChannelListQuerySchema>;
export const ChannelListResponseSchema = pageOf(ChannelSchema);
export type ChannelListResponse = z.infer<typeof ChannelListResponseSchema>;

/** `GET /internal/channels/{id}?user_id=&role=`: the channel if that caller may see it (else 404). */
export const InternalChannelQuerySchema = z.object({
  user_id: z.uuid(),
  role: z.string().min(1).max(20),
});
export type InternalChannelQuery = z.infer<typeof InternalChannelQuerySchema>;
