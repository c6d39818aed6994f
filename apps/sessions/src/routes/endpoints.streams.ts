import {
  SessionEventSchema,
  StreamResumeHeadersSchema,
  StreamResumeQuerySchema,
  WebhookSettingsRequestSchema,
  WebhookSettingsSchema,
  WsClientMessageSchema,
  WsServerMessageSchema,
  WsStreamQuerySchema,
  type ApiOperation,
} from '@platform/contracts';
import { S, notFound, sessionParams } from './endpoints.shared';
import { WEBHOOK_SETTINGS_PATHS } from './webhook-settings.routes';

const stream = `${S}/{id}/stream`;

/** A session's live events: server-sent events, and a WebSocket on the same path. */
export const STREAM_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: stream,
    summary: 'Live events (SSE, resumable with Last-Event-ID)',
    description:
      'Each event: `id: <seq>`, `event: <type>`, `data: <SessionEvent JSON>`; `heartbeat` events keep the connection open. ' +
      'When the access token expires or is revoked the stream ends with `event: stream_end` (`{reason, error_code, message}`); reconnect with a fresh token. ' +
      '`Last-Event-ID` and `since` take decimal digits only.',
    tags: ['streams'],
    auth: 'user',
    stream: 'sse',
    request: {
      ...sessionParams,
      headers: StreamResumeHeadersSchema,
      query: StreamResumeQuerySchema,
      examples: { ...sessionParams.examples, query: { since: '0' } },
    },
    responses: {
      200: { description: 'The event stream', contentType: 'text/event-stream', schema: SessionEventSchema },
      ...notFound,
    },
  },
  {
    method: 'GET',
    path: stream,
    summary: 'Live events and queries over WebSocket',
    description:
      'Send `{"type":"query","message":…}`, `{"type":"ping"}` or `{"type":"auth","token":…}` (a fresh access token of the same user, answered with `auth_ok`, keeps the socket open past the first token\'s expiry); ' +
      'receive events, `query_accepted`, `pong`, `heartbeat`, `auth_ok` and `error`. The token may come as `?token=`. Queries count against the same per-user rate limit as `POST …/query` through the gateway. ' +
      'When the token expires or is revoked the server sends `{"type":"stream_end",…}` and closes with code 4401 (expired) or 4403 (revoked).',
    tags: ['streams'],
    auth: 'user',
    stream: 'websocket',
    request: { ...sessionParams, query: WsStreamQuerySchema },
    messages: { client: WsClientMessageSchema, server: WsServerMessageSchema },
    responses: notFound,
  },
];

/** The caller's default webhook, served at two paths (the second reachable through the sessions gateway prefix). */
export const WEBHOOK_SETTINGS_OPERATIONS: ApiOperation[] = WEBHOOK_SETTINGS_PATHS.flatMap((path, i): ApiOperation[] => {
  const also = i === 0 ? '' : ` (same as ${WEBHOOK_SETTINGS_PATHS[0] ?? ''})`;
  return [
    {
      method: 'GET',
      path,
      summary: `Your default webhook${also}`,
      tags: ['webhooks'],
      auth: 'user',
      responses: { 200: { description: 'The settings (never the secret)', schema: WebhookSettingsSchema } },
    },
    {
      method: 'PUT',
      path,
      summary: `Set your default webhook; creates or rotates the signing secret${also}`,
      tags: ['webhooks'],
      auth: 'user',
      request: {
        body: WebhookSettingsRequestSchema,
        examples: { body: { url: 'https://hooks.example.com/agent', rotate_secret: false } },
      },
      responses: {
        200: { description: 'The settings; `secret` only when created or rotated', schema: WebhookSettingsSchema },
      },
    },
  ];
});
