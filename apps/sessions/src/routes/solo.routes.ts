import { Router } from 'express';
import { SoloGenesisRequestSchema, SoloOrchestratorRequestSchema, SoloStatusQuerySchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { requireAction, requireAuth, type TokenVerifier } from '@platform/auth-middleware';
import type { SoloService } from '../services/agents/solo.service';
import type { IdempotencyService } from '../services/idempotency.service';
import { idempotent } from './idempotency';
import { callerOf } from './caller';
import { agentReply } from './agent-reply';

/** `/solo/*`: the seeds' SOLO agent on sessions of the `solo-genesis` template (people only). */
export function soloRoutes(d: { solo: SoloService; idempotency: IdempotencyService; verifier: TokenVerifier }): Router {
  const r = Router();
  r.use('/solo', requireAuth(d.verifier));
  const once = idempotent(d.idempotency);
  const run = requireAction('run');

  r.post('/solo/genesis', run, once, async (req, res) => {
    const body = parseInput(SoloGenesisRequestSchema, req.body, 'body');
    agentReply(res, await d.solo.genesis(callerOf(req), body), 201);
  });

  r.post('/solo/orchestrator', run, once, async (req, res) => {
    const body = parseInput(SoloOrchestratorRequestSchema, req.body, 'body');
    res.status(202).json(await d.solo.orchestrate(callerOf(req), body));
  });

  r.get('/solo/status', requireAction('read'), async (req, res) => {
    const { session_id } = parseInput(SoloStatusQuerySchema, req.query, 'query');
    res.json(await d.solo.status(callerOf(req), session_id));
  });
  return r;
}
