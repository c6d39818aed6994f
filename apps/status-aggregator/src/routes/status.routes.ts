import { Router } from 'express';
import { IncidentListQuerySchema, StatusHistoryQuerySchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import type { TokenVerifier } from '@platform/auth-middleware';
import type { StatusQueries } from '../services/status-queries';
import { isAdmin, optionalAuth, requireAdmin } from './viewer';

/**
 * Read-only status API. Public: states, counts, uptime, history and incident summaries. Admins
 * (a bearer token with role admin) also get instance URLs and probe errors, incident timelines and
 * the request metrics.
 */
export function statusRoutes(d: { queries: StatusQueries; verifier: TokenVerifier }): Router {
  const r = Router();
  const auth = optionalAuth(d.verifier);

  r.get('/api/production-status', (_req, res) => {
    res.json(d.queries.productionStatus());
  });

  r.get('/api/status/components', auth, (req, res) => {
    res.json(d.queries.components(isAdmin(req)));
  });

  r.get('/api/status/history', async (req, res) => {
    res.json(await d.queries.history(parseInput(StatusHistoryQuerySchema, req.query, 'query')));
  });

  r.get('/api/status/incidents', auth, async (req, res) => {
    res.json(await d.queries.incidents(parseInput(IncidentListQuerySchema, req.query, 'query'), isAdmin(req)));
  });

  r.get('/api/status/metrics', auth, requireAdmin, (_req, res) => {
    res.json(d.queries.metrics());
  });
  return r;
}
