// Prebuilt bundles of the services for the tests that run them as processes (libs/testing's
// startServiceProcess): `node bundle/main.js` is ready in about a third of the time `node --import tsx
// src/main.ts` takes, because nothing is transpiled at start. Each bundle is built like `nx build
// <app>` builds it (the project's `main` and `esbuildConfig`, npm packages external), into
// node_modules/.cache/service-bundles/<app>/, and rebuilt when any file it was built from changed.
//
//   node tools/jest/service-bundles.js [app...]   builds the given apps (default: every app) unless fresh
//
// Plain JavaScript run by Node itself: the test workers cannot load esbuild configs that use tsx.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const FORMAT = 1;
const LOCK_STALE_MS = 120_000;
const OLD_BUILD_MS = 10 * 60_000;

const cacheDir = (root) => path.join(root, 'node_modules', '.cache', 'service-bundles');
const metaPath = (root, app) => path.join(cacheDir(root), app, 'meta.json');

/** The bundle of `app` if it exists and every file it was built from is unchanged, else undefined. */
function freshBundle(root, app) {
  let meta;
  try {
    meta = JSON.parse(fs.readFileSync(metaPath(root, app), 'utf8'));
  } catch {
    return undefined;
  }
  if (meta.format !== FORMAT || !fs.existsSync(meta.bundle)) return undefined;
  for (const [file, [mtimeMs, size]] of Object.entries(meta.inputs)) {
    let st;
    try {
      st = fs.statSync(path.join(root, file));
    } catch {
      return undefined;
    }
    if (st.mtimeMs !== mtimeMs || st.size !== size) return undefined;
  }
  return meta.bundle;
}

function buildOptionsOf(root, app) {
  const project = JSON.parse(fs.readFileSync(path.join(root, 'apps', app, 'project.json'), 'utf8'));
  const options = project.targets?.build?.options;
  if (!options?.main) throw new Error(`apps/${app}/project.json has no build target with a main`);
  return options;
}

/** Builds `app`'s bundle now (no freshness check, no lock) and returns its path. */
async function build(root, app) {
  const esbuild = require(require.resolve('esbuild', { paths: [root] }));
  const options = buildOptionsOf(root, app);
  const extra = options.esbuildConfig ? require(path.join(root, options.esbuildConfig)) : {};
  const dir = path.join(cacheDir(root), app);
  const outdir = path.join(dir, `build-${Date.now()}-${process.pid}`);
  const result = await esbuild.build({
    ...extra,
    absWorkingDir: root,
    entryPoints: { main: path.join(root, options.main) },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    tsconfig: path.join(root, options.tsConfig ?? 'tsconfig.base.json'),
    sourcemap: true,
    metafile: true,
    logLevel: 'error',
    outExtension: { '.js': '.js' },
  });
  const inputs = {};
  const watched = [
    ...Object.keys(result.metafile.inputs).filter((f) => !f.includes(':') && !f.startsWith('node_modules/')),
    // Files a build plugin reads besides the module graph (the dashboard the status-aggregator embeds).
    ...filesUnder(root, path.join('apps', app, 'src')),
    'tsconfig.base.json',
    path.relative(root, __filename),
    `apps/${app}/project.json`,
    ...(options.tsConfig ? [options.tsConfig] : []),
    ...(options.esbuildConfig ? [options.esbuildConfig] : []),
  ];
  for (const file of new Set(watched)) {
    const st = fs.statSync(path.join(root, file));
    inputs[file] = [st.mtimeMs, st.size];
  }
  const bundle = path.join(outdir, 'main.js');
  const tmp = `${metaPath(root, app)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, bundle, inputs }));
  fs.renameSync(tmp, metaPath(root, app));
  removeOldBuilds(dir, outdir);
  return bundle;
}

function filesUnder(root, dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(root, rel);
    return e.isFile() && !/\.(spec|test)\.ts$/.test(e.name) ? [rel] : [];
  });
}

// Older builds may still be starting in another test worker: only those unused for a while go.
function removeOldBuilds(dir, keep) {
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (!name.startsWith('build-') || full === keep) continue;
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > OLD_BUILD_MS) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // removed by someone else
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Holds a lock directory while `fn` runs, so parallel test workers build each bundle once. */
async function withLock(lock, fn) {
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The path of `app`'s fresh bundle, building it first when needed (once, whatever runs in parallel). */
async function ensureBundle(root, app) {
  const fresh = freshBundle(root, app);
  if (fresh) return fresh;
  fs.mkdirSync(path.join(cacheDir(root), app), { recursive: true });
  return withLock(path.join(cacheDir(root), app, 'lock'), async () => freshBundle(root, app) ?? build(root, app));
}

function allApps(root) {
  return fs.readdirSync(path.join(root, 'apps')).filter((a) => fs.existsSync(path.join(root, 'apps', a, 'project.json')));
}

module.exports = { freshBundle, ensureBundle, allApps };

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  const apps = process.argv.slice(2);
  Promise.all((apps.length ? apps : allApps(root)).map((app) => ensureBundle(root, app))).then(
    (bundles) => process.stdout.write(`${JSON.stringify(bundles)}\n`),
    (err) => {
      process.stderr.write(`${err.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
