import { Router } from 'express';
import type { DiscoveryService } from '../services/discovery.service';

export function discoveryRoutes(discovery: DiscoveryService): Router {
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
  r.get('/api/health', async (_req, res) => {
    const body = await discovery.health();
    res.status(body.status === 'down' ? 503 : 200).json(body);
  });
  return r;
}
