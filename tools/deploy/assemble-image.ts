/**
 * Lays out what a service's container image ships, from an `nx build <app>` output and the
 * lockfile-installed node_modules of the build stage (infra/Dockerfile runs this, and the image
 * test runs it the same way and starts the result):
 *
 *   main.js, main.js.map      the esbuild bundle (dist/apps/<app>)
 *   package.json              Nx's pruned package.json, completed with every package the bundle requires
 *   node_modules/             exactly those packages and their runtime dependency closure
 *   tools/prisma/migrate.js   (apps with a database) the offline migration CLI, bundled, with
 *   apps/<app>/prisma/        the app's schema and migrations
 *   entrypoint.sh             `serve` (default) or `migrate`
 *   healthcheck.js, image.json  the Docker HEALTHCHECK and what it needs to know (app, port)
 *
 *   node --import tsx tools/deploy/assemble-image.ts --app <app> --out <dir>
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { defaultPort, hasDatabase, loadConfigSchema } from './app-config';
import { bundleExternals, copyPackages, dependencyClosure, installedVersion } from './runtime-deps';

export interface AssembleResult {
  /** Packages the bundle requires that Nx's package.json did not list (now added). */
  added: string[];
  packages: string[];
  migrations: boolean;
}

interface PackageJson {
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

async function bundleMigrator(root: string, outFile: string): Promise<string> {
  await build({
    entryPoints: [path.join(root, 'tools', 'prisma', 'migrate.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return fs.readFileSync(outFile, 'utf8');
}

/** Writes the image's /app tree for `app` into `out` (which must not exist or be empty). */
export async function assembleImage(o: { root: string; app: string; out: string }): Promise<AssembleResult> {
  const { root, app, out } = o;
  const dist = path.join(root, 'dist', 'apps', app);
  const mainJs = path.join(dist, 'main.js');
  if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} not found: run \`npx nx build ${app}\` first`);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new Error(`${out} is not empty`);
  fs.mkdirSync(out, { recursive: true });

  for (const f of ['main.js', 'main.js.map'])
    if (fs.existsSync(path.join(dist, f))) fs.copyFileSync(path.join(dist, f), path.join(out, f));
  const externals = bundleExternals(fs.readFileSync(mainJs, 'utf8'));

  const pkg = JSON.parse(fs.readFileSync(path.join(dist, 'package.json'), 'utf8')) as PackageJson;
  const deps = { ...(pkg.dependencies ?? {}) };
  const added = externals.filter((name) => !(name in deps));
  for (const name of added) deps[name] = installedVersion(root, name);
  pkg.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  const roots = new Set([...externals, ...Object.keys(deps)]);
  const migrations = hasDatabase(root, app);
  if (migrations) {
    const migrator = await bundleMigrator(root, path.join(out, 'tools', 'prisma', 'migrate.js'));
    for (const name of bundleExternals(migrator)) roots.add(name);
    fs.cpSync(path.join(root, 'apps', app, 'prisma'), path.join(out, 'apps', app, 'prisma'), { recursive: true });
  }
  const packages = dependencyClosure(root, [...roots].sort());
  copyPackages(root, packages, out);

  const infra = path.join(root, 'infra', 'docker');
  fs.copyFileSync(path.join(infra, 'entrypoint.sh'), path.join(out, 'entrypoint.sh'));
  fs.chmodSync(path.join(out, 'entrypoint.sh'), 0o755);
  fs.copyFileSync(path.join(infra, 'healthcheck.js'), path.join(out, 'healthcheck.js'));
  const port = defaultPort(loadConfigSchema(root, app));
  fs.writeFileSync(path.join(out, 'image.json'), `${JSON.stringify({ app, port, migrations }, null, 2)}\n`);
  return { added, packages, migrations };
}

function parseArgs(argv: string[]): { app: string; out: string } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key?.startsWith('--') || value === undefined)
      throw new Error('usage: assemble-image.ts --app <app> --out <dir>');
    args.set(key.slice(2), value);
  }
  const app = args.get('app');
  const out = args.get('out');
  if (!app || !out) throw new Error('usage: assemble-image.ts --app <app> --out <dir>');
  return { app, out };
}

if (require.main === module) {
  const { app, out } = parseArgs(process.argv.slice(2));
  assembleImage({ root: path.resolve(__dirname, '..', '..'), app, out: path.resolve(out) }).then(
    (r) => {
      for (const name of r.added)
        process.stdout.write(
          `${app}: added ${name} to package.json (the bundle requires it; Nx's pruned package.json missed it)\n`,
        );
      process.stdout.write(`${app}: ${r.packages.length} packages${r.migrations ? ', migration CLI' : ''} → ${out}\n`);
    },
    (err: unknown) => {
      process.stderr.write(`assemble-image failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
