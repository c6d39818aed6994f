import express, { Router } from 'express';
import { listRoutes, toOpenApiPath } from './list-routes';

describe('listRoutes', () => {
  it('walks sub-routers under their mount paths and renders parameters OpenAPI style', () => {
    const app = express();
    const channels = Router();
    channels.get('/', (_req, res) => void res.end());
    channels
      .route('/:id')
      .get((_req, res) => void res.end())
      .patch((_req, res) => void res.end());
    const nested = Router();
    nested.post('/:run_id/cancel', (_req, res) => void res.end());
    channels.use('/:id/runs', nested);
    app.use(express.json());
    app.get('/health', (_req, res) => void res.end());
    app.use('/api/channels', channels);
    app.use(
      ['/a', '/b'],
      Router().delete('/x', (_req, res) => void res.end()),
    );
    expect(listRoutes(app)).toEqual([
      { method: 'GET', path: '/health' },
      { method: 'GET', path: '/api/channels' },
      { method: 'GET', path: '/api/channels/{id}' },
      { method: 'PATCH', path: '/api/channels/{id}' },
      { method: 'POST', path: '/api/channels/{id}/runs/{run_id}/cancel' },
      { method: 'DELETE', path: '/a/x' },
      { method: 'DELETE', path: '/b/x' },
    ]);
  });

  it('lists a route mounted twice once', () => {
    const app = express();
    const r = Router().get('/', (_req, res) => void res.end());
    app.use('/x', r);
    app.use('/x', r);
    expect(listRoutes(app)).toEqual([{ method: 'GET', path: '/x' }]);
  });

  it('converts wildcard parameters too', () => {
    expect(toOpenApiPath('/files/*path')).toBe('/files/{path}');
  });
});
