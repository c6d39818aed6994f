import { Router } from 'express';
import type { SystemInfo } from '../services/system-info';

/** The seeds' root endpoints: `GET /` (system info) and `GET /media` (streams, assets, limits); `/health` is the ops router's. */
export function systemRoutes(system: SystemInfo): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json(await system.info());
  });
  r.get('/media', (_req, res) => {
    res.json(system.media());
  });
  return r;
}
