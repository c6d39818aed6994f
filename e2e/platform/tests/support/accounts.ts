import { randomSuffix, type JsonClient } from '@platform/testing';
import { TokenResponseSchema, UserSchema, type TokenResponse, type User } from '@platform/contracts';

export interface Credentials {
  email: string;
  password: string;
}

/** A registered user with a live session, and a gateway client that sends its access token. */
export interface Session {
  user: User;
  credentials: Credentials;
  tokens: TokenResponse;
  /** The gateway client with `Authorization: Bearer <access token>`. */
  as: JsonClient;
}

/** Fresh, valid registration details (unique within and across runs). */
export function newAccount(label = 'user'): Credentials & { username: string } {
  const tag = randomSuffix();
  return { email: `${label}-${tag}@e2e.test`, username: `${label}_${tag}`, password: `Pw-${tag}-long-1` };
}

export const withToken = (api: JsonClient, accessToken: string): JsonClient => api.withHeaders({ authorization: `Bearer ${accessToken}` });

/** POST /auth/register through the gateway; fails the test unless it answers 201 with a user. */
export async function register(api: JsonClient, label = 'user'): Promise<{ user: User; credentials: Credentials }> {
  const account = newAccount(label);
  const res = await api.post('/auth/register', account);
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${res.text}`);
  return { user: UserSchema.parse(res.body), credentials: { email: account.email, password: account.password } };
}

/** POST /auth/login through the gateway; fails the test unless it answers 200 with tokens. */
export async function login(api: JsonClient, c: Credentials): Promise<TokenResponse> {
  const res = await api.post('/auth/login', c);
  if (res.status !== 200) throw new Error(`login of ${c.email} answered ${res.status}: ${res.text}`);
  return TokenResponseSchema.parse(res.body);
}

/** Registers a new user and logs it in. */
export async function signUp(api: JsonClient, label = 'user'): Promise<Session> {
  const { user, credentials } = await register(api, label);
  const tokens = await login(api, credentials);
  return { user, credentials, tokens, as: withToken(api, tokens.access_token) };
}

/** Logs in an existing account (e.g. the bootstrapped admin). */
export async function signIn(api: JsonClient, credentials: Credentials): Promise<Omit<Session, 'user'>> {
  const tokens = await login(api, credentials);
  return { credentials, tokens, as: withToken(api, tokens.access_token) };
}
