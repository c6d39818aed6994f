import {
  ComponentsResponseSchema,
  IncidentListQuerySchema,
  IncidentListResponseSchema,
  ProductionStatusSchema,
  StatusHistoryQuerySchema,
  StatusHistoryResponseSchema,
  StatusMetricsResponseSchema,
  StatusStreamEventSchema,
  endpointsFromOperations,
  type ApiOperation,
} from '@platform/contracts';
import { z } from 'zod';

const tags = ['status'];
const adminsSeeMore = 'Admins (a bearer token with role admin) also get instance URLs and probe errors.';

/** Every public route of the status-aggregator, documented from the schemas the routes parse with. */
export const STATUS_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: '/api/production-status',
    summary: 'Aggregated production status',
    tags,
    auth: 'public',
    responses: { 200: { description: 'Overall state, components and queue depths', schema: ProductionStatusSchema } },
  },
  {
    method: 'GET',
    path: '/api/status/components',
    summary: 'State, uptime and recovery of every component',
    description: adminsSeeMore,
    tags,
    auth: 'optional',
    responses: { 200: { description: 'Every component', schema: ComponentsResponseSchema } },
  },
  {
    method: 'GET',
    path: '/api/status/history',
    summary: 'State history of components (?service=&since=)',
    description: 'At most 7 days back (or the retention, if shorter).',
    tags,
    auth: 'public',
    request: {
      query: StatusHistoryQuerySchema,
      examples: { query: { service: 'sessions' } },
    },
    responses: { 200: { description: 'History points and state changes', schema: StatusHistoryResponseSchema } },
  },
  {
    method: 'GET',
    path: '/api/status/incidents',
    summary: 'Open and recent incidents',
    description: 'Admins also get each incident’s timeline.',
    tags,
    auth: 'optional',
    request: { query: IncidentListQuerySchema, examples: { query: { status: 'open', limit: 20 } } },
    responses: { 200: { description: 'A page of incidents', schema: IncidentListResponseSchema } },
  },
  {
    method: 'GET',
    path: '/api/status/stream',
    summary: 'Server-sent events: every state change',
    description: `Starts with a \`snapshot\`, then each change as it happens. ${adminsSeeMore} A stream opened with a token ends with \`event: stream_end\` (\`{reason, error_code, message}\`) when the token expires or is revoked. Through the gateway, streams are capped per user and, without a token, per client IP (429 \`TOO_MANY_STREAMS\`).`,
    tags,
    auth: 'optional',
    stream: 'sse',
    responses: {
      200: { description: 'The event stream', contentType: 'text/event-stream', schema: StatusStreamEventSchema },
    },
  },
  {
    method: 'GET',
    path: '/api/status/metrics',
    summary: 'Request rate and latency per service (admins)',
    tags,
    auth: 'admin',
    responses: { 200: { description: 'Recent request metrics per service', schema: StatusMetricsResponseSchema } },
  },
  {
    method: 'GET',
    path: '/dashboard',
    summary: 'Operator dashboard',
    description: 'An HTML page that reads the status API; it holds no data itself.',
    tags,
    auth: 'public',
    responses: { 200: { description: 'The page', contentType: 'text/html' } },
  },
  {
    method: 'GET',
    path: '/dashboard/{file}',
    summary: "The dashboard's script and stylesheet",
    tags,
    auth: 'public',
    request: { params: z.object({ file: z.string().min(1).max(100) }), examples: { params: { file: 'app.js' } } },
    responses: {
      200: { description: 'The file (ETag, revalidated on each use)' },
      404: { description: 'No such file' },
    },
  },
];

/** The routes the status-aggregator publishes to the registry (and so to `/api/discovery`). */
export const STATUS_ENDPOINTS = endpointsFromOperations(STATUS_OPERATIONS);
