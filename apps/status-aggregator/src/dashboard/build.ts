/**
 * Bundles the dashboard (browser code in this folder) into `app.js` beside `index.html` and `app.css`:
 * at start-up from the sources, and at `nx build status-aggregator`, which embeds the result in the
 * server bundle (esbuild.config.js).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** The three files of the dashboard, built from `sourceDir`. */
export async function buildDashboard(sourceDir: string = __dirname): Promise<Map<string, Buffer>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(sourceDir, 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    write: false,
    outfile: 'app.js',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0];
  if (!js) throw new Error('esbuild produced no dashboard bundle');
  const [html, css] = await Promise.all([
    fs.readFile(path.join(sourceDir, 'index.html')),
    fs.readFile(path.join(sourceDir, 'app.css')),
  ]);
  return new Map([
    ['index.html', html],
    ['app.js', Buffer.from(js.contents)],
    ['app.css', css],
  ]);
}
