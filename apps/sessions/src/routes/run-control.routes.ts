import { Router } from 'express';
import {
  AuditListQuerySchema,
  PageQuerySchema,
  PermissionDecisionRequestSchema,
  PermissionRequestListQuerySchema,
  RunCancelRequestSchema,
  IdParamsSchema,
} from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authorize, type TokenVerifier } from '@platform/auth-middleware';
import { z } from 'zod';
import type { RunControlService } from '../services/run-control.service';
import type { PermissionsService } from '../services/permissions.service';
import type { SessionRecordsService } from '../services/session-records.service';
import { callerOf } from './caller';

const BASE = '/api/v1/sessions/:id';
const RunParamsSchema = z.object({ id: z.uuid(), run_id: z.uuid() });
const RequestParamsSchema = z.object({ id: z.uuid(), request_id: z.uuid() });

/** Cancel, permission answers, and a session's audit log and webhook deliveries (owner or admin; 404 otherwise). */
export function runControlRoutes(d: {
  control: RunControlService;
  permissions: PermissionsService;
  records: SessionRecordsService;
  verifier: TokenVerifier;
}): Router {
  const r = Router();

  r.post(`${BASE}/runs/:run_id/cancel`, ...authorize(d.verifier, 'control'), async (req, res) => {
    const { id, run_id } = parseInput(RunParamsSchema, req.params, 'params');
    const { reason } = parseInput(RunCancelRequestSchema, req.body ?? {}, 'body');
    res.json(await d.control.cancel(callerOf(req), id, run_id, reason));
  });

  r.get(`${BASE}/permissions`, ...authorize(d.verifier, 'read'), async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const q = parseInput(PermissionRequestListQuerySchema, req.query, 'query');
    res.json(await d.permissions.list(callerOf(req), id, q.status, q.cursor, q.limit));
  });

  r.post(`${BASE}/permissions/:request_id`, ...authorize(d.verifier, 'answer'), async (req, res) => {
    const { id, request_id } = parseInput(RequestParamsSchema, req.params, 'params');
    const body = parseInput(PermissionDecisionRequestSchema, req.body, 'body');
    res.json(await d.permissions.decide(callerOf(req), id, request_id, body));
  });

  r.get(`${BASE}/audit`, ...authorize(d.verifier, 'read'), async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    res.json(await d.records.audit(callerOf(req), id, parseInput(AuditListQuerySchema, req.query, 'query')));
  });

  r.get(`${BASE}/webhook-deliveries`, ...authorize(d.verifier, 'read'), async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    res.json(await d.records.deliveries(callerOf(req), id, parseInput(PageQuerySchema, req.query, 'query')));
  });
  return r;
}
