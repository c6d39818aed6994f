import { Router } from 'express';
import { IdParamsSchema, InternalChannelQuerySchema, type InternalChannelCountResponse } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authorize, type TokenVerifier } from '@platform/auth-middleware';
import type { ChannelsService } from '../services/channels.service';

/**
 * Service-to-service reads, never routed by the gateway: sessions checks a channel on behalf of a
 * user (the answer is what that user would get: the channel if they may see it, else 404), and the
 * status-aggregator reads how many channels exist.
 */
export function internalRoutes(d: { channels: ChannelsService; verifier: TokenVerifier }): Router {
  const r = Router();
  r.use('/internal', ...authorize(d.verifier, 'internal'));
  // Before `/:id`, which would read "count" as an id.
  r.get('/internal/channels/count', async (_req, res) => {
    const body: InternalChannelCountResponse = { count: await d.channels.countAll() };
    res.json(body);
  });
  r.get('/internal/channels/:id', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const q = parseInput(InternalChannelQuerySchema, req.query, 'query');
    res.json(await d.channels.get({ userId: q.user_id, role: q.role }, id));
  });
  return r;
}
