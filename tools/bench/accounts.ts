import { randomBytes } from 'node:crypto';

/** A JSON request to `base + path`; throws unless it answers `expect`. */
export async function call<T = unknown>(base: string, method: string, path: string, o: { token?: string; body?: unknown; expect?: number } = {}): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  if (o.expect !== undefined && res.status !== o.expect) throw new Error(`${method} ${path} answered ${res.status} (expected ${o.expect}): ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface BenchUser {
  id: string;
  token: string;
}

/** Registers a real user through the gateway and logs it in: a real access token from auth. */
export async function signUp(gateway: string, label = 'bench'): Promise<BenchUser> {
  const tag = randomBytes(5).toString('hex');
  const account = { email: `${label}-${tag}@bench.test`, username: `${label}_${tag}`, password: `Pw-${tag}-long-1` };
  const user = await call<{ id: string }>(gateway, 'POST', '/auth/register', { body: account, expect: 201 });
  const tokens = await call<{ access_token: string }>(gateway, 'POST', '/auth/login', { body: { email: account.email, password: account.password }, expect: 200 });
  return { id: user.id, token: tokens.access_token };
}

/** Logs in an existing account. */
export async function signIn(gateway: string, email: string, password: string): Promise<string> {
  const tokens = await call<{ access_token: string }>(gateway, 'POST', '/auth/login', { body: { email, password }, expect: 200 });
  return tokens.access_token;
}
