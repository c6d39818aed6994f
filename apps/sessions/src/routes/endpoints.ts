import {
  ForkRequestSchema,
  IdempotencyHeadersSchema,
  MessageListQuerySchema,
  MessageListResponseSchema,
  PageQuerySchema,
  QueryAcceptedResponseSchema,
  QueryParamsSchema,
  QueryRequestSchema,
  QueryWaitResponseSchema,
  RunListResponseSchema,
  RunSchema,
  SessionCreateRequestSchema,
  SessionListQuerySchema,
  SessionListResponseSchema,
  SessionPatchRequestSchema,
  SessionSchema,
  ToolCallListResponseSchema,
  endpointsFromOperations,
  type ApiOperation,
} from '@platform/contracts';
import { RunParamsSchema, RUN_ID, S, SESSION_ID, notFound, sessionParams } from './endpoints.shared';
import { RUN_CONTROL_OPERATIONS } from './endpoints.run-control';
import { STREAM_OPERATIONS, WEBHOOK_SETTINGS_OPERATIONS } from './endpoints.streams';
import { AGENT_OPERATIONS } from './endpoints.agents';
import { BUDGET_OPERATIONS } from './endpoints.budgets';

const session = (description: string) => ({ description, schema: SessionSchema });
const idempotent = {
  headers: IdempotencyHeadersSchema,
  description:
    'With `Idempotency-Key`, a retry with the same body replays the first answer (422 when the body differs).',
};
const tags = ['sessions'];

const SESSION_OPERATIONS: ApiOperation[] = [
  {
    method: 'POST',
    path: S,
    summary: 'Create an agent session',
    description: idempotent.description,
    tags,
    auth: 'user',
    request: {
      headers: idempotent.headers,
      body: SessionCreateRequestSchema,
      examples: { body: { name: 'refactor', options: { provider: 'offline', max_turns: 5 } } },
    },
    responses: {
      201: session('The new session'),
      404: { description: 'No such channel or template' },
      422: { description: 'Idempotency-Key reused with another body' },
      429: { description: 'Too many active sessions (`QUOTA_EXCEEDED`): archive or delete one to free a slot' },
    },
  },
  {
    method: 'GET',
    path: S,
    summary: 'List your sessions',
    tags,
    auth: 'user',
    request: { query: SessionListQuerySchema, examples: { query: { limit: 20, status: 'active' } } },
    responses: { 200: { description: 'A page of sessions', schema: SessionListResponseSchema } },
  },
  {
    method: 'GET',
    path: `${S}/{id}`,
    summary: 'Get a session',
    tags,
    auth: 'user',
    request: sessionParams,
    responses: { 200: session('The session'), ...notFound },
  },
  {
    method: 'PATCH',
    path: `${S}/{id}`,
    summary: 'Rename or archive a session',
    tags,
    auth: 'user',
    request: {
      ...sessionParams,
      body: SessionPatchRequestSchema,
      examples: { ...sessionParams.examples, body: { name: 'renamed' } },
    },
    responses: { 200: session('The session'), ...notFound },
  },
  {
    method: 'DELETE',
    path: `${S}/{id}`,
    summary: 'Delete a session',
    tags,
    auth: 'user',
    request: sessionParams,
    responses: { 204: { description: 'Deleted' }, ...notFound },
  },
  {
    method: 'POST',
    path: `${S}/{id}/query`,
    summary: 'Send a query; ?wait=true waits for the run',
    description: `409 RUN_IN_PROGRESS while a run is active, unless \`multitask: "enqueue"\` (up to MAX_HELD_RUNS_PER_SESSION held runs, 10 by default). 402 BUDGET_EXCEEDED once the owner's budget is spent. ${idempotent.description}`,
    tags: ['sessions', 'runs'],
    auth: 'user',
    request: {
      ...sessionParams,
      headers: idempotent.headers,
      query: QueryParamsSchema,
      body: QueryRequestSchema,
      examples: {
        ...sessionParams.examples,
        query: { wait: 'false' },
        body: { message: 'List the files', multitask: 'enqueue' },
      },
    },
    responses: {
      200: { description: 'With ?wait=true: the run ended within the wait', schema: QueryWaitResponseSchema },
      202: { description: 'The run is queued', schema: QueryAcceptedResponseSchema },
      ...notFound,
      402: { description: "The session owner's daily or monthly budget is spent (`BUDGET_EXCEEDED`: which limit, what is left, `resets_at`, `Retry-After`)" },
      409: { description: 'A run is in progress (`RUN_IN_PROGRESS`)' },
      422: { description: 'Idempotency-Key reused with another body' },
      429: { description: 'With `multitask: "enqueue"`: the session already holds the most runs it may behind its active one (`QUOTA_EXCEEDED`)' },
    },
  },
  {
    method: 'POST',
    path: `${S}/{id}/fork`,
    summary: 'Fork a session with its messages and working directory',
    description: idempotent.description,
    tags,
    auth: 'user',
    request: {
      ...sessionParams,
      headers: idempotent.headers,
      body: ForkRequestSchema.optional(),
      examples: { ...sessionParams.examples, body: { name: 'experiment' } },
    },
    responses: {
      201: session('The fork'),
      ...notFound,
      422: { description: 'Idempotency-Key reused with another body' },
    },
  },
  {
    method: 'GET',
    path: `${S}/{id}/runs`,
    summary: 'Runs of a session',
    tags: ['runs'],
    auth: 'user',
    request: { ...sessionParams, query: PageQuerySchema },
    responses: { 200: { description: 'A page of runs', schema: RunListResponseSchema }, ...notFound },
  },
  {
    method: 'GET',
    path: `${S}/{id}/runs/{run_id}`,
    summary: 'One run: status, usage, cost',
    tags: ['runs'],
    auth: 'user',
    request: { params: RunParamsSchema, examples: { params: { id: SESSION_ID, run_id: RUN_ID } } },
    responses: {
      200: { description: 'The run', schema: RunSchema },
      404: { description: 'No such run in that session' },
    },
  },
  {
    method: 'GET',
    path: `${S}/{id}/messages`,
    summary: 'Messages in order',
    tags,
    auth: 'user',
    request: {
      ...sessionParams,
      query: MessageListQuerySchema,
      examples: { ...sessionParams.examples, query: { limit: 50 } },
    },
    responses: { 200: { description: 'A page of messages', schema: MessageListResponseSchema }, ...notFound },
  },
  {
    method: 'GET',
    path: `${S}/{id}/tool-calls`,
    summary: 'Tool calls and their decisions',
    tags: ['runs'],
    auth: 'user',
    request: { ...sessionParams, query: PageQuerySchema },
    responses: { 200: { description: 'A page of tool calls', schema: ToolCallListResponseSchema }, ...notFound },
  },
];

/** Every public route of sessions, documented from the schemas the routes parse with. */
export const SESSIONS_OPERATIONS: ApiOperation[] = [
  ...SESSION_OPERATIONS,
  ...RUN_CONTROL_OPERATIONS,
  ...WEBHOOK_SETTINGS_OPERATIONS,
  ...STREAM_OPERATIONS,
  ...AGENT_OPERATIONS,
  ...BUDGET_OPERATIONS,
];

/** The routes sessions publishes to the registry (and so to `/api/discovery`). */
export const SESSIONS_ENDPOINTS = endpointsFromOperations(SESSIONS_OPERATIONS);
