import express from 'express';
import { routeCoverage } from './route-coverage';

describe('routeCoverage', () => {
  const app = express();
  app.get('/health', (_req, res) => void res.end());
  app.get('/internal/x', (_req, res) => void res.end());
  app.get('/things/:id', (_req, res) => void res.end());
  app.post('/things', (_req, res) => void res.end());

  it('names mounted routes without docs and documented operations that are not mounted', () => {
    const doc = { paths: { '/things/{id}': { get: {}, delete: {} }, '/ws': { get: { 'x-stream': 'websocket' } } } };
    expect(routeCoverage(app, doc)).toEqual({
      undocumented: [{ method: 'POST', path: '/things' }],
      unmounted: [{ method: 'DELETE', path: '/things/{id}' }],
    });
  });

  it('is clean when both sides agree, ignoring ops and internal routes', () => {
    const doc = { paths: { '/things/{id}': { get: {}, parameters: [] }, '/things': { post: {} }, '/health': { get: {} } } };
    expect(routeCoverage(app, doc)).toEqual({ undocumented: [], unmounted: [] });
  });
});
