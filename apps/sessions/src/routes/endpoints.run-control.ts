import {
  AuditListQuerySchema,
  AuditListResponseSchema,
  PageQuerySchema,
  PermissionDecisionRequestSchema,
  PermissionRequestListQuerySchema,
  PermissionRequestListResponseSchema,
  PermissionRequestSchema,
  RunCancelRequestSchema,
  RunSchema,
  WebhookDeliveryListResponseSchema,
  type ApiOperation,
} from '@platform/contracts';
import { z } from 'zod';
import { RUN_ID, RunParamsSchema, S, SESSION_ID, notFound, sessionParams } from './endpoints.shared';

const RequestParamsSchema = z.object({ id: z.uuid(), request_id: z.uuid() });

/** Cancel, permission answers, and a session's audit log and webhook deliveries (owner or admin). */
export const RUN_CONTROL_OPERATIONS: ApiOperation[] = [
  {
    method: 'POST',
    path: `${S}/{id}/runs/{run_id}/cancel`,
    summary: 'Cancel a run: the runner stops, the run ends as cancelled',
    tags: ['runs'],
    auth: 'user',
    request: {
      params: RunParamsSchema,
      body: RunCancelRequestSchema.optional(),
      examples: { params: { id: SESSION_ID, run_id: RUN_ID }, body: { reason: 'taking too long' } },
    },
    responses: {
      200: { description: 'The cancelled run (or the run as it ended, if it already had)', schema: RunSchema },
      404: { description: 'No such run in that session' },
    },
  },
  {
    method: 'GET',
    path: `${S}/{id}/permissions`,
    summary: 'Permission requests of a session (?status=pending)',
    tags: ['runs'],
    auth: 'user',
    request: {
      ...sessionParams,
      query: PermissionRequestListQuerySchema,
      examples: { ...sessionParams.examples, query: { status: 'pending' } },
    },
    responses: {
      200: { description: 'A page of permission requests', schema: PermissionRequestListResponseSchema },
      ...notFound,
    },
  },
  {
    method: 'POST',
    path: `${S}/{id}/permissions/{request_id}`,
    summary: 'Allow or deny a tool call waiting for permission',
    tags: ['runs'],
    auth: 'user',
    request: {
      params: RequestParamsSchema,
      body: PermissionDecisionRequestSchema,
      examples: { params: { id: SESSION_ID, request_id: RUN_ID }, body: { decision: 'allow', remember: true } },
    },
    responses: {
      200: { description: 'The answered request', schema: PermissionRequestSchema },
      404: { description: 'No such permission request in that session' },
      409: { description: 'Already answered or expired' },
    },
  },
  {
    method: 'GET',
    path: `${S}/{id}/audit`,
    summary: 'Audit log of a session (owner or admin)',
    tags: ['sessions', 'audit'],
    auth: 'user',
    request: {
      ...sessionParams,
      query: AuditListQuerySchema,
      examples: { ...sessionParams.examples, query: { action: 'run.cancelled' } },
    },
    responses: { 200: { description: 'A page of audit entries', schema: AuditListResponseSchema }, ...notFound },
  },
  {
    method: 'GET',
    path: `${S}/{id}/webhook-deliveries`,
    summary: 'Webhook delivery attempts of a session',
    tags: ['sessions', 'webhooks'],
    auth: 'user',
    request: { ...sessionParams, query: PageQuerySchema },
    responses: {
      200: { description: 'A page of delivery attempts', schema: WebhookDeliveryListResponseSchema },
      ...notFound,
    },
  },
];
