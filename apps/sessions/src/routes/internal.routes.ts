import { Router } from 'express';
import { IdParamsSchema, InternalHistoryQuerySchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authorize, type TokenVerifier } from '@platform/auth-middleware';
import { z } from 'zod';
import type { RunnerApiService } from '../services/runner-api.service';
import type { PermissionsService } from '../services/permissions.service';

const RequestParamsSchema = z.object({ id: z.uuid(), request_id: z.uuid() });

/** Service-to-service routes (never routed by the gateway). */
export function internalRoutes(d: { runner: RunnerApiService; permissions: PermissionsService; verifier: TokenVerifier }): Router {
  const r = Router();
  r.use('/internal', ...authorize(d.verifier, 'internal'));
  r.get('/internal/sessions/:id/messages', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const { run_id } = parseInput(InternalHistoryQuerySchema, req.query, 'query');
    res.json(await d.runner.history(id, run_id));
  });
  r.get('/internal/sessions/:id/permissions/:request_id', async (req, res) => {
    const { id, request_id } = parseInput(RequestParamsSchema, req.params, 'params');
    res.json(await d.permissions.forRunner(id, request_id));
  });
  return r;
}
