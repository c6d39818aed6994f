import { Router } from 'express';
import { TddAnalyzeRequestSchema, TddGenerateRequestSchema, TddValidateRequestSchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authorize, type TokenVerifier } from '@platform/auth-middleware';
import type { TddService } from '../services/agents/tdd.service';
import type { IdempotencyService } from '../services/idempotency.service';
import { idempotent } from './idempotency';
import { callerOf } from './caller';
import { agentReply } from './agent-reply';

/** `/tdd/*`: the seeds' TDD agent on sessions of the `tdd` template, or any session of the caller's (people only). */
export function tddRoutes(d: { tdd: TddService; idempotency: IdempotencyService; verifier: TokenVerifier }): Router {
  const r = Router();
  // Every TDD call starts agent work (an analysis, a patch, a test run): the `run` class.
  r.use('/tdd', ...authorize(d.verifier, 'run'));
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
