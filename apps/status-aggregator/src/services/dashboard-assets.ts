import { createHash } from 'node:crypto';
import path from 'node:path';
import embedded from '../dashboard/embedded';

/** One file of the dashboard, ready to serve. */
export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The dashboard's files by name (`index.html`, `app.js`, `app.css`). */
export type DashboardAssets = ReadonlyMap<string, Asset>;

const TYPES = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
]);

function asset(name: string, body: Buffer): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, contentType: TYPES.get(path.extname(name)) ?? 'application/octet-stream', etag };
}

/**
 * The dashboard's built files: the ones `nx build` embedded in the bundle, or, run from the sources
 * (`npm start`, `nx serve`, tests), bundled now from `sourceDir` with esbuild (a fraction of a second).
 */
export async function loadDashboardAssets(sourceDir: string): Promise<DashboardAssets> {
  let files: Map<string, Buffer>;
  if (embedded) {
    files = new Map(Object.entries(embedded).map(([name, b64]) => [name, Buffer.from(b64, 'base64')]));
  } else {
    // Loaded only here: esbuild is a build tool, absent from a production image (which has embedded files).
    const { buildDashboard } = await import('../dashboard/build');
    files = await buildDashboard(sourceDir);
  }
  return new Map([...files].map(([name, body]) => [name, asset(name, body)]));
}
