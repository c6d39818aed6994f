/**
 * The npm packages a bundle needs at run time, found from the bundle itself rather than from a
 * dependency graph: esbuild leaves every third-party package as a `require("…")` / `import("…")`
 * of its name, so those strings are the ground truth. Nx's generated package.json is derived from
 * its project graph, which cannot see code it ignores (the Prisma clients under `src/generated` are
 * gitignored, so `@prisma/client` only appeared there because db-kit happens to import it); the
 * image is assembled from what the bundle requires instead, and the package.json completed from it.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const BUILTINS = new Set(builtinModules);
const SPECIFIER = /\b(?:require|require\.resolve|import)\(\s*["']([^"'\s]+)["']\s*\)/g;

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; undefined for builtins and relative paths. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  return BUILTINS.has(name) ? undefined : name;
}

/** The packages a bundle loads or resolves by name (`require`, `require.resolve`, `import()`), sorted. */
export function bundleExternals(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(SPECIFIER)) {
    const name = packageName(m[1] as string);
    if (name) names.add(name);
  }
  return [...names].sort();
}

interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

/** Node's lookup: `<dir>/node_modules/<name>`, then each parent's, up to `root`. */
function resolvePackageDir(root: string, fromDir: string, name: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.resolve(dir) === path.resolve(root)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Every installed package directory (relative to `root`) that `names` need at run time: their
 * dependencies, the optional ones that are installed (platform binaries), and non-optional peers, as
 * npm would install them. Throws when a required one is not installed under `root`.
 */
export function dependencyClosure(root: string, names: string[]): string[] {
  const found = new Set<string>();
  const visit = (fromDir: string, name: string, required: boolean, via: string): void => {
    const dir = resolvePackageDir(root, fromDir, name);
    if (!dir) {
      if (required) throw new Error(`${name} (needed by ${via}) is not installed under ${root}/node_modules`);
      return;
    }
    const rel = path.relative(root, dir);
    if (found.has(rel)) return;
    found.add(rel);
    const m = readManifest(dir);
    for (const dep of Object.keys(m.dependencies ?? {}))
      visit(dir, dep, !(dep in (m.optionalDependencies ?? {})), name);
    for (const dep of Object.keys(m.optionalDependencies ?? {})) visit(dir, dep, false, name);
    // Optional peers are the host's choice (npm does not install them): @prisma/client's `prisma` CLI stays out.
    for (const dep of Object.keys(m.peerDependencies ?? {}))
      if (m.peerDependenciesMeta?.[dep]?.optional !== true) visit(dir, dep, true, name);
  };
  for (const name of names) visit(root, name, true, 'the bundle');
  return [...found].sort();
}

/** Copies package directories (as returned by dependencyClosure) from `root` to `out`, keeping their layout. */
export function copyPackages(root: string, dirs: string[], out: string): void {
  for (const rel of dirs) {
    const from = path.join(root, rel);
    fs.cpSync(from, path.join(out, rel), {
      recursive: true,
      // Nested node_modules hold other packages: each is copied on its own if the closure has it.
      filter: (src) => src === from || !path.relative(from, src).split(path.sep).includes('node_modules'),
    });
  }
}

/** The installed version of `name` as seen from `root`. */
export function installedVersion(root: string, name: string): string {
  const dir = resolvePackageDir(root, root, name);
  const version = dir ? readManifest(dir).version : undefined;
  if (!version) throw new Error(`${name} is not installed under ${root}/node_modules`);
  return version;
}
