import { Router } from 'express';
import {
  ForkRequestSchema,
  IdParamsSchema,
  MessageListQuerySchema,
  PageQuerySchema,
  QueryParamsSchema,
  QueryRequestSchema,
  SessionCreateRequestSchema,
  SessionListQuerySchema,
  SessionPatchRequestSchema,
} from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { requireAction, requireAuth, type TokenVerifier } from '@platform/auth-middleware';
import { z } from 'zod';
import type { SessionsService } from '../services/sessions.service';
import type { RunsService } from '../services/runs.service';
import type { IdempotencyService } from '../services/idempotency.service';
import { idempotent } from './idempotency';
import { callerOf } from './caller';

const RunParamsSchema = z.object({ id: z.uuid(), run_id: z.uuid() });
const BASE = '/api/v1/sessions';

export function sessionsRoutes(d: {
  sessions: SessionsService;
  runs: RunsService;
  idempotency: IdempotencyService;
  verifier: TokenVerifier;
  queryWaitMaxMs: number;
}): Router {
  const r = Router();
  // People only (the action classes): a service token has no sessions of its own.
  r.use(BASE, requireAuth(d.verifier));
  const once = idempotent(d.idempotency);
  const read = requireAction('read');
  const write = requireAction('create');
  const run = requireAction('run');

  r.post(BASE, write, once, async (req, res) => {
    const body = parseInput(SessionCreateRequestSchema, req.body, 'body');
    res.status(201).json(await d.sessions.create(callerOf(req), body));
  });

  r.get(BASE, read, async (req, res) => {
    res.json(await d.sessions.list(callerOf(req), parseInput(SessionListQuerySchema, req.query, 'query')));
  });

  r.get(`${BASE}/:id`, read, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    res.json(await d.sessions.get(callerOf(req), id));
  });

  r.patch(`${BASE}/:id`, write, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    res.json(await d.sessions.patch(callerOf(req), id, parseInput(SessionPatchRequestSchema, req.body, 'body')));
  });

  r.delete(`${BASE}/:id`, write, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    await d.sessions.delete(callerOf(req), id);
    res.status(204).end();
  });

  r.post(`${BASE}/:id/query`, run, once, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const { wait } = parseInput(QueryParamsSchema, req.query, 'query');
    const { message, multitask } = parseInput(QueryRequestSchema, req.body, 'body');
    const accepted = await d.runs.query(callerOf(req), id, message, multitask);
    if (wait === 'true') {
      const finished = await d.runs.waitForEnd(id, accepted.run_id, d.queryWaitMaxMs);
      if (finished) {
        res.status(200).json({ run_id: finished.id, status: finished.status, run: finished });
        return;
      }
    }
    res.status(202).json(accepted);
  });

  r.post(`${BASE}/:id/fork`, run, once, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const { name } = parseInput(ForkRequestSchema, req.body ?? {}, 'body');
    res.status(201).json(await d.sessions.fork(callerOf(req), id, name));
  });

  r.get(`${BASE}/:id/runs`, read, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const q = parseInput(PageQuerySchema, req.query, 'query');
    res.json(await d.runs.listRuns(callerOf(req), id, q.cursor, q.limit));
  });

  r.get(`${BASE}/:id/runs/:run_id`, read, async (req, res) => {
    const { id, run_id } = parseInput(RunParamsSchema, req.params, 'params');
    res.json(await d.runs.getRun(callerOf(req), id, run_id));
  });

  r.get(`${BASE}/:id/messages`, read, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const q = parseInput(MessageListQuerySchema, req.query, 'query');
    res.json(await d.runs.listMessages(callerOf(req), id, q.cursor, q.limit));
  });

  r.get(`${BASE}/:id/tool-calls`, read, async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const q = parseInput(PageQuerySchema, req.query, 'query');
    res.json(await d.runs.listToolCalls(callerOf(req), id, q.cursor, q.limit));
  });
  return r;
}
