import { listRoutes, type MountedRoute } from './list-routes';

/** Operational routes every service mounts that are not part of its public API. */
export const UNDOCUMENTED_ROUTE = /^\/(health|ready|metrics|openapi\.json)$|^\/internal(\/|$)/;

interface DocumentLike {
  paths: Record<string, Record<string, unknown>>;
}

/**
 * Compares what an Express app mounts with what its OpenAPI document describes:
 * `undocumented` routes are mounted without docs, `unmounted` operations are documented but absent.
 * A WebSocket-only operation is an upgrade handler, not an Express route, so it need not be mounted.
 */
export function routeCoverage(
  app: { router?: unknown },
  doc: DocumentLike,
  ignore: RegExp = UNDOCUMENTED_ROUTE,
): { undocumented: MountedRoute[]; unmounted: MountedRoute[] } {
  const mounted = listRoutes(app).filter((r) => !ignore.test(r.path));
  const documented: MountedRoute[] = [];
  const upgrades = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method) || ignore.test(path)) continue;
      const o = op as Record<string, unknown>;
      if (o['x-stream'] === 'websocket') upgrades.add(`${method.toUpperCase()} ${path}`);
      documented.push({ method: method.toUpperCase(), path });
    }
  }
  const key = (r: MountedRoute) => `${r.method} ${r.path}`;
  const mountedKeys = new Set(mounted.map(key));
  const documentedKeys = new Set(documented.map(key));
  return {
    undocumented: mounted.filter((r) => !documentedKeys.has(key(r))),
    unmounted: documented.filter((r) => !mountedKeys.has(key(r)) && !upgrades.has(key(r))),
  };
}
