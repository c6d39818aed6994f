import path from 'node:path';
import { Router, type RequestHandler, type Response } from 'express';
import { buildOpenApiDocument, type ApiDocsLinksResponse } from '@platform/contracts';
import { NotFoundError } from '@platform/service-kit';
import { ApiDocsService, type ApiDocsOptions } from '../services/api-docs.service';
import { GATEWAY_OPERATIONS } from './endpoints';
import { DOCS_CSS, DOCS_HTML, DOCS_INIT_JS } from './docs-page';

/**
 * The gateway's API answers JSON and sets no CSP; the docs pages get their own, as strict as
 * Swagger UI allows: only this origin's scripts (the initializer is a file, not inline), no
 * framing, no forms, no plugins. The one relaxation: Swagger UI sets inline styles as it renders.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
// Maps, never plain objects, for anything a request names: `constructor` or `__proto__` as a file name
// must be an unknown file (404), not a property of Object.prototype.
const TYPES = new Map([
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.png', 'image/png'],
]);
/** Only these files of swagger-ui-dist are served (not its index.html or sample initializer). */
const UI_FILES = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
]);
const OWN_FILES = new Map([
  ['docs-init.js', DOCS_INIT_JS],
  ['docs.css', DOCS_CSS],
]);

const withCsp: RequestHandler = (_req, res, next) => {
  res.set('Content-Security-Policy', DOCS_CSP);
  next();
};

function sendOwn(res: Response, file: string, body: string): void {
  res
    .type(TYPES.get(path.extname(file)) ?? 'application/octet-stream')
    .set('Cache-Control', 'no-cache')
    .send(body);
}

/** `GET /api/docs` (page or links), `GET /api/docs/openapi.json` (merged document) and the page's assets. */
export function docsRoutes(o: Omit<ApiDocsOptions, 'gateway'>): Router {
  const { version } = o;
  const docs = new ApiDocsService({
    ...o,
    gateway: buildOpenApiDocument({ title: 'gateway', version }, GATEWAY_OPERATIONS),
  });
  const r = Router();
  r.use('/api/docs', withCsp);

  r.get('/api/docs', async (req, res) => {
    if (req.accepts(['html', 'json']) !== 'json') {
      res.type('html').set('Cache-Control', 'no-cache').send(DOCS_HTML);
      return;
    }
    const body: ApiDocsLinksResponse = {
      title: 'Agent platform API',
      version,
      openapi_url: '/api/docs/openapi.json',
      ui_url: '/api/docs',
      discovery_url: '/api/discovery',
      endpoints_url: '/api/endpoints',
      services: await docs.servicesStatus(),
      timestamp: new Date().toISOString(),
    };
    res.json(body);
  });

  r.get('/api/docs/openapi.json', async (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(await docs.document());
  });

  r.get('/api/docs/assets/:file', (req, res) => {
    const file = req.params.file;
    const own = OWN_FILES.get(file);
    if (own !== undefined) return sendOwn(res, file, own);
    if (!UI_FILES.has(file)) throw new NotFoundError('Documentation file');
    res.sendFile(file, {
      root: UI_DIR,
      maxAge: '1h',
      headers: { 'Content-Type': TYPES.get(path.extname(file)) ?? 'application/octet-stream' },
    });
  });
  return r;
}
