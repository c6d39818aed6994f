import { isPublic, matchRoute, type RouteRule } from './route-table';
import { isInternalPath } from './middleware/guard';
import { defaultRules, rulesFrom } from './services/rate-limiter';

const routes: RouteRule[] = [
  { prefix: '/auth', service: 'auth', publicPaths: ['/auth/login'] },
  { prefix: '/api', service: 'misc' },
  { prefix: '/api/channels', service: 'channels' },
];

describe('route table', () => {
  it('matches on segment boundaries and prefers the longest prefix', () => {
    expect(matchRoute(routes, '/api/channels/1')?.service).toBe('channels');
    expect(matchRoute(routes, '/api/other')?.service).toBe('misc');
    expect(matchRoute(routes, '/authx/login')).toBeUndefined();
    expect(matchRoute(routes, '/auth')?.service).toBe('auth');
  });

  it('treats only listed paths as public, with or without a trailing slash', () => {
    const auth = matchRoute(routes, '/auth/login');
    expect(isPublic(auth, '/auth/login')).toBe(true);
    expect(isPublic(auth, '/auth/login/')).toBe(true);
    expect(isPublic(auth, '/auth/profile')).toBe(false);
    expect(isPublic(undefined, '/whatever')).toBe(true);
  });

  it('recognises /internal however it is cased or slashed', () => {
    for (const p of ['/internal', '/internal/x', '/INTERNAL/x', '//internal//x']) expect(isInternalPath(p)).toBe(true);
    for (const p of ['/internals', '/api/internal', '/']) expect(isInternalPath(p)).toBe(false);
  });
});

describe('rate-limit rules', () => {
  it("carries the seeds' defaults", () => {
    const byId = Object.fromEntries(defaultRules(600).map((r) => [r.id, r.limit]));
    expect(byId).toMatchObject({ 'auth-login': 10, 'auth-register': 5, channels: 100, discovery: 200, default: 600 });
  });

  it('lets configured rules replace defaults by id and come first', () => {
    const rules = rulesFrom([{ id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 2, window_s: 10 }], 600);
    expect(rules[0]).toMatchObject({ id: 'auth-login', limit: 2, windowS: 10 });
    expect(rules.filter((r) => r.id === 'auth-login')).toHaveLength(1);
  });
});
