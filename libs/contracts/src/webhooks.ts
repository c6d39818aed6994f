import { z } from 'zod';
import { RunSchema, WebhookUrlSchema } from './sessions';
import { WebhookEventTypeSchema } from './queues';

/**
 * The body of a webhook POST. Signed: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`
 * with the session owner's webhook secret; receivers should also refuse stale `t` values.
 */
export const WebhookPayloadSchema = z.object({
  event: WebhookEventTypeSchema,
  session_id: z.uuid(),
  run: RunSchema,
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

/** `GET/PUT /api/v1/webhook-settings`: a person's default webhook and signing secret. */
export const WebhookSettingsSchema = z.object({
  /** Default webhook for sessions without their own `webhook_url`. */
  url: z.string().nullable(),
  has_secret: z.boolean(),
  /** Present only in the answer that created or rotated it: it is never shown again. */
  secret: z.string().optional(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type WebhookSettings = z.infer<typeof WebhookSettingsSchema>;

export const WebhookSettingsRequestSchema = z.strictObject({
  /** null clears the default; leaving it out keeps it. */
  url: WebhookUrlSchema.nullable().optional(),
  /** Replace the signing secret (the first PUT always creates one). */
  rotate_secret: z.boolean().default(false),
});
export type WebhookSettingsRequest = z.input<typeof WebhookSettingsRequestSchema>;
