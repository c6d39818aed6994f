import { Router, type Response } from 'express';
import { NotFoundError } from '@platform/service-kit';
import type { Asset, DashboardAssets } from '../services/dashboard-assets';

/** Only the dashboard's own files, and only same-origin calls: nothing inline, nothing from elsewhere. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Express answers 304 itself when If-None-Match carries the ETag set here. */
function send(res: Response, a: Asset): void {
  res.set({ 'Content-Type': a.contentType, ETag: a.etag, 'Cache-Control': 'no-cache', 'Content-Security-Policy': CSP });
  res.send(a.body);
}

/** `GET /dashboard` (the page) and its two files; the page holds no data, it reads the status API. */
export function dashboardRoutes(assets: DashboardAssets): Router {
  const r = Router();
  r.get(['/dashboard', '/dashboard/'], (_req, res) => {
    const page = assets.get('index.html');
    if (!page) throw new NotFoundError('Dashboard');
    send(res, page);
  });
  r.get('/dashboard/:file', (req, res) => {
    const file = req.params.file;
    const a = file === 'index.html' ? undefined : assets.get(file);
    if (!a) throw new NotFoundError('Dashboard file');
    send(res, a);
  });
  return r;
}
