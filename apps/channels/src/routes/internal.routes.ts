import { Router } from 'express';
import { IdParamsSchema, InternalChannelQuerySchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { requireAuth, requireRole, type AccessTokenVerifier } from '@platform/auth-middleware';
import type { ChannelsService } from '../services/channels.service';

/**
 * Service-to-service reads (sessions checks a channel on behalf of a user); never routed by the
 * gateway. The answer is what that user would get: the channel if they may see it, else 404.
 */
export function internalRoutes(d: { channels: ChannelsService; verifier: AccessTokenVerifier }): Router {
  const r = Router();
  r.use('/internal', requireAuth(d.verifier), requireRole('service'));
  r.get('/internal/channels/:id', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const q = parseInput(InternalChannelQuerySchema, req.query, 'query');
    res.json(await d.channels.get({ userId: q.user_id, role: q.role }, id));
  });
  return r;
}
