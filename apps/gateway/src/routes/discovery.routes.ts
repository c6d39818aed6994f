import { Router } from 'express';
import { roleMay } from '@platform/contracts';
import { bearerToken, type TokenVerifier } from '@platform/auth-middleware';
import type { DiscoveryService } from '../services/discovery.service';

export function discoveryRoutes(discovery: DiscoveryService, verifier: TokenVerifier): Router {
  const r = Router();
  r.get('/api/discovery', async (_req, res) => {
    res.json(await discovery.discovery());
  });
  r.get('/api/endpoints', async (_req, res) => {
    res.json(await discovery.endpoints());
  });
  r.get('/api/service-info', (_req, res) => {
    res.json(discovery.info());
  });
  // Public; instance ids and internal URLs only for a caller whose (valid) token may see internals.
  r.get('/api/health', async (req, res) => {
    const token = bearerToken(req.headers.authorization);
    const claims = token ? await verifier.verify(token) : undefined;
    const body = await discovery.health({ details: claims !== undefined && roleMay(claims.role, 'manage') });
    res.status(body.status === 'down' ? 503 : 200).json(body);
  });
  return r;
}
