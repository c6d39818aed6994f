/**
 * The revocation feed against the real Redis on this machine (env TEST_REDIS_URL / REDIS_URL, else
 * 127.0.0.1:6379), each test under a prefix of its own.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AccessTokenClaims, RevocationEvent } from '@platform/contracts';
import { AppError, createLogger } from '@platform/service-kit';
import { publishRevocation } from './revocation-store';
import { RevocationList } from './revocations';

const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ service: 'revocations-spec', level: 'error', pretty: false });
const clients: Redis[] = [];
const lists: RevocationList[] = [];
const prefixes: string[] = [];

const client = (opts: { enableOfflineQueue?: boolean; lazyConnect?: boolean } = {}) => {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: () => 50, ...opts });
  r.on('error', () => undefined);
  clients.push(r);
  return r;
};

function newPrefix(): string {
  const p = `test:revocations-spec:${randomUUID()}:`;
  prefixes.push(p);
  return p;
}

function startList(prefix: string, o: { maxStalenessMs?: number; subscriber?: Redis } = {}): { list: RevocationList; subscriber: Redis } {
  const subscriber = o.subscriber ?? client({ enableOfflineQueue: false });
  const list = new RevocationList({ redis: client(), subscriber, prefix, logger, maxStalenessMs: o.maxStalenessMs ?? 1000, pingMs: 50 });
  lists.push(list);
  void list.start();
  return { list, subscriber };
}

const claims = (sub: string, extra: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  sub,
  role: 'user',
  jti: randomUUID(),
  iss: 'i',
  aud: 'a',
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 60,
  ...extra,
});

const userEvent = (userId: string, minVersion: number): RevocationEvent => ({ v: 1, kind: 'user', user_id: userId, min_version: minVersion, at: Date.now() });
const loginEvent = (userId: string, sid: string): RevocationEvent => ({ v: 1, kind: 'session', session_id: sid, user_id: userId, at: Date.now() });

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
};

afterAll(async () => {
  for (const l of lists) l.stop();
  const admin = client();
  for (const p of prefixes) {
    const keys = await admin.keys(`${p}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  for (const c of clients) c.disconnect();
});

describe('RevocationList', () => {
  it('applies a published revocation within milliseconds: tokens below the version, and every token of a login', async () => {
    const prefix = newPrefix();
    const { list } = startList(prefix);
    await until('loaded', () => list.current);
    const writer = client();
    const alice = randomUUID();
    const old = claims(alice, { tv: 0, sid: 'login-a' });
    const fresh = claims(alice, { tv: 1, sid: 'login-b' });
    expect(codeOf(() => list.assertValid(old))).toBeUndefined();

    await publishRevocation(writer, prefix, userEvent(alice, 1), 60_000);
    await until('user revocation applied', () => list.isRevoked(old), 1000);
    expect(codeOf(() => list.assertValid(old))).toBe('TOKEN_REVOKED');
    expect(list.isRevoked(fresh)).toBe(false);

    await publishRevocation(writer, prefix, loginEvent(alice, 'login-b'), 60_000);
    await until('login revocation applied', () => list.isRevoked(fresh), 1000);
    expect(list.isRevoked(claims(randomUUID(), { sid: 'login-c' }))).toBe(false);
  });

  it('never lowers a version: an older revocation published late changes nothing', async () => {
    const prefix = newPrefix();
    const { list } = startList(prefix);
    const writer = client();
    const bob = randomUUID();
    await publishRevocation(writer, prefix, userEvent(bob, 3), 60_000);
    await publishRevocation(writer, prefix, userEvent(bob, 2), 60_000);
    await until('loaded', () => list.current);

    expect(list.isRevoked(claims(bob, { tv: 2 }))).toBe(true);
    expect(list.isRevoked(claims(bob, { tv: 3 }))).toBe(false);
  });

  it('knows revocations made before it started (a new instance loads the whole state)', async () => {
    const prefix = newPrefix();
    const writer = client();
    const carol = randomUUID();
    await publishRevocation(writer, prefix, userEvent(carol, 1), 60_000);
    await publishRevocation(writer, prefix, loginEvent(carol, 'carol-login'), 60_000);

    const { list } = startList(prefix);
    await until('loaded', () => list.current);

    expect(list.isRevoked(claims(carol, { tv: 0 }))).toBe(true);
    expect(list.isRevoked(claims(carol, { tv: 1, sid: 'carol-login' }))).toBe(true);
    expect(list.isRevoked(claims(carol, { tv: 1, sid: 'another-login' }))).toBe(false);
  });

  it('refuses every token (503) until its first load, and is not ready', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 1000 });
    unreachable.on('error', () => undefined);
    clients.push(unreachable);
    const list = new RevocationList({ redis: unreachable, subscriber: unreachable, prefix: newPrefix(), logger });
    lists.push(list);
    void list.start();

    expect(codeOf(() => list.assertValid(claims(randomUUID())))).toBe('SERVICE_UNAVAILABLE');
    await expect(list.readinessCheck().check()).rejects.toThrow(/not current/);
  });

  it('keeps serving through a short subscription drop, fails closed past the staleness bound, and catches up on reconnect', async () => {
    const prefix = newPrefix();
    const { list, subscriber } = startList(prefix, { maxStalenessMs: 400 });
    await until('loaded', () => list.current);
    const writer = client();
    const dave = randomUUID();
    const token = claims(dave, { tv: 0 });

    subscriber.disconnect(false);
    await publishRevocation(writer, prefix, userEvent(dave, 1), 60_000);
    // Missed while down: still served from the copy for a moment…
    expect(codeOf(() => list.assertValid(token))).toBeUndefined();
    // …then refused for staleness, never accepted indefinitely.
    await until('stale', () => !list.current, 2000);
    expect(codeOf(() => list.assertValid(token))).toBe('SERVICE_UNAVAILABLE');

    await subscriber.connect();
    await until('current again', () => list.current, 5000);
    expect(codeOf(() => list.assertValid(token))).toBe('TOKEN_REVOKED');
  });

  it("tells a user's listeners, and only theirs, when their tokens may have changed", async () => {
    const prefix = newPrefix();
    const { list } = startList(prefix);
    await until('loaded', () => list.current);
    const writer = client();
    const [erin, frank] = [randomUUID(), randomUUID()];
    let erinCalls = 0;
    let frankCalls = 0;
    list.onChange(erin, () => erinCalls++);
    const off = list.onChange(frank, () => frankCalls++);

    await publishRevocation(writer, prefix, loginEvent(erin, 'erin-login'), 60_000);
    await until('erin told', () => erinCalls > 0, 1000);
    off();
    await publishRevocation(writer, prefix, userEvent(frank, 1), 60_000);
    await until('frank revoked', () => list.isRevoked(claims(frank)), 1000);

    expect(frankCalls).toBe(0);
  });

  it('prunes entries older than the retention when the next revocation is written', async () => {
    const prefix = newPrefix();
    const writer = client();
    const gina = randomUUID();
    await publishRevocation(writer, prefix, { ...userEvent(gina, 1), at: Date.now() - 10_000 }, 60_000);
    await publishRevocation(writer, prefix, { ...loginEvent(gina, 'old-login'), at: Date.now() - 10_000 }, 60_000);
    await publishRevocation(writer, prefix, userEvent(randomUUID(), 1), 5_000);

    const { list } = startList(prefix);
    await until('loaded', () => list.current);

    expect(list.isRevoked(claims(gina, { tv: 0, sid: 'old-login' }))).toBe(false);
  });
});
