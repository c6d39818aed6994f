import { Router } from 'express';
import { RoleSchema, TddAnalyzeRequestSchema, TddGenerateRequestSchema, TddValidateRequestSchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { requireAuth, requireRole, type TokenVerifier } from '@platform/auth-middleware';
import type { TddService } from '../services/agents/tdd.service';
import type { IdempotencyService } from '../services/idempotency.service';
import { idempotent } from './idempotency';
import { callerOf } from './caller';
import { agentReply } from './agent-reply';

/** `/tdd/*`: the seeds' TDD agent on sessions of the `tdd` template, or any session of the caller's (people only). */
export function tddRoutes(d: { tdd: TddService; idempotency: IdempotencyService; verifier: TokenVerifier }): Router {
  const r = Router();
  r.use('/tdd', requireAuth(d.verifier), requireRole(...RoleSchema.options));
  const once = idempotent(d.idempotency);

  r.post('/tdd/analyze', once, async (req, res) => {
    const body = parseInput(TddAnalyzeRequestSchema, req.body, 'body');
    agentReply(res, await d.tdd.analyze(callerOf(req), body), 200);
  });

  r.post('/tdd/generate', once, async (req, res) => {
    const body = parseInput(TddGenerateRequestSchema, req.body, 'body');
    agentReply(res, await d.tdd.generate(callerOf(req), body), 200);
  });

  r.post('/tdd/validate', async (req, res) => {
    const body = parseInput(TddValidateRequestSchema, req.body, 'body');
    res.json(await d.tdd.validate(callerOf(req), body));
  });
  return r;
}
