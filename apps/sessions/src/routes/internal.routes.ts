import { Router } from 'express';
import { IdParamsSchema, type InternalHistoryResponse } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { requireAuth, requireRole, type AccessTokenVerifier } from '@platform/auth-middleware';
import type { RunsService } from '../services/runs.service';

/** Service-to-service routes (never routed by the gateway). */
export function internalRoutes(d: { runs: RunsService; verifier: AccessTokenVerifier }): Router {
  const r = Router();
  r.use('/internal', requireAuth(d.verifier), requireRole('service'));
  r.get('/internal/sessions/:id/messages', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const body: InternalHistoryResponse = { session_id: id, messages: await d.runs.history(id) };
    res.json(body);
  });
  return r;
}
