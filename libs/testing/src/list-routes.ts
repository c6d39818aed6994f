/** One route an Express app mounts, in OpenAPI style (`/api/channels/{id}`). */
export interface MountedRoute {
  method: string;
  path: string;
}

// The slice of router 2.x (Express 5) internals the walk reads; typed here instead of importing express.
interface RouteLike {
  path: unknown;
  methods: Record<string, boolean | undefined>;
}
interface LayerLike {
  rawPath?: unknown;
  route?: RouteLike;
  handle?: { stack?: LayerLike[] };
}

function pathsOf(raw: unknown): string[] {
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw)) return raw.flatMap(pathsOf);
  return raw === undefined ? ['/'] : [String(raw)];
}

function join(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/$/, '')}/${path.replace(/^\//, '')}`;
  return joined.length > 1 ? joined.replace(/\/$/, '') : '/';
}

/** Express path syntax to OpenAPI: `:id` and `*rest` become `{id}` and `{rest}`. */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function walk(stack: readonly LayerLike[], prefix: string, out: MountedRoute[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const methods = Object.entries(layer.route.methods)
        .filter(([, on]) => on)
        .map(([m]) => (m === '_all' ? 'ALL' : m.toUpperCase()));
      for (const path of pathsOf(layer.route.path)) {
        for (const method of methods) out.push({ method, path: toOpenApiPath(join(prefix, path)) });
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      for (const path of pathsOf(layer.rawPath)) walk(layer.handle.stack, join(prefix, path), out);
    }
  }
}

/** Every route an Express 5 app mounts (sub-routers included), deduplicated, in OpenAPI style. */
export function listRoutes(app: { router?: unknown }): MountedRoute[] {
  const router = app.router as { stack?: LayerLike[] } | undefined;
  const out: MountedRoute[] = [];
  walk(router?.stack ?? [], '', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
