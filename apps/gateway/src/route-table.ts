/** Where the gateway sends a path prefix, and which exact paths need no access token. */
export interface RouteRule {
  prefix: string;
  service: string;
  publicPaths?: string[];
}

/**
 * The gateway's routing table. Adding a service's public surface is one line here.
 * `/internal/*` is never routed: it is refused before this table is consulted.
 */
export const ROUTES: RouteRule[] = [
  {
    prefix: '/auth',
    service: 'auth',
    publicPaths: ['/auth/register', '/auth/login', '/auth/refresh', '/auth/.well-known/jwks.json', '/auth/service-token'],
  },
  { prefix: '/users', service: 'auth' },
  { prefix: '/api/channels', service: 'channels' },
  // The seeds' root listing (`GET /channels`); channels mounts the same routes there.
  { prefix: '/channels', service: 'channels' },
  { prefix: '/api/v1/sessions', service: 'sessions' },
  { prefix: '/api/v1/webhook-settings', service: 'sessions' },
  // Budgets and spend live with the runs they are measured on.
  { prefix: '/api/v1/budgets', service: 'sessions' },
  { prefix: '/api/v1/usage', service: 'sessions' },
  // The seeds' SOLO and TDD agents run on sessions' machinery.
  { prefix: '/solo', service: 'sessions' },
  { prefix: '/tdd', service: 'sessions' },
  // Status: read-only states are public (admins see more with a token); the metrics need one.
  { prefix: '/api/production-status', service: 'status-aggregator', publicPaths: ['/api/production-status'] },
  {
    prefix: '/api/status',
    service: 'status-aggregator',
    publicPaths: ['/api/status/components', '/api/status/history', '/api/status/incidents', '/api/status/stream'],
  },
  { prefix: '/dashboard', service: 'status-aggregator', publicPaths: ['/dashboard', '/dashboard/app.js', '/dashboard/app.css'] },
];

/** Gateway-owned paths that need no access token. */
export const GATEWAY_PUBLIC_PATHS = ['/', '/media', '/api/discovery', '/api/endpoints', '/api/service-info', '/api/health', '/health', '/ready', '/metrics', '/api/docs', '/api/docs/openapi.json', '/api/docs/assets'];

/** The rule whose prefix matches `path` on a segment boundary (longest prefix wins). */
export function matchRoute(routes: RouteRule[], path: string): RouteRule | undefined {
  let best: RouteRule | undefined;
  for (const r of routes) {
    if ((path === r.prefix || path.startsWith(`${r.prefix}/`)) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}

/**
 * Whether `path` needs no access token. Upstreams route case-insensitively (Express's default), so the
 * comparison is too: `/auth/LOGIN` is the public login route, limited per IP like `/auth/login`.
 */
export function isPublic(rule: RouteRule | undefined, path: string): boolean {
  const trimmed = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();
  if (!rule) return true;
  return rule.publicPaths?.some((p) => p.toLowerCase() === trimmed) ?? false;
}

/** The HTTP route a WebSocket message stands for: a `query` on a session's stream socket is `POST …/query`. */
export function wsQueryPath(path: string): string | undefined {
  const m = /^(\/api\/v1\/sessions\/[^/]+)\/stream\/?$/i.exec(path);
  return m ? `${m[1]}/query` : undefined;
}
