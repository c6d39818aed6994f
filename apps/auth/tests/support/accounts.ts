import request from 'supertest';
import type { Express } from 'express';
import { TokenResponseSchema, UserSchema, type Role, type TokenResponse, type User } from '@platform/contracts';
import { randomSuffix } from '@platform/testing';
import type { Db } from '../../src/db';

export const PASSWORD = 'correct-horse-42';

export interface Account {
  email: string;
  username: string;
  password: string;
}

/** Credentials no other test will pick; `label` shows up in the username and email. */
export function newAccount(label = 'user'): Account {
  const tag = `${label}_${randomSuffix(4)}`;
  return { email: `${tag}@example.test`, username: tag, password: PASSWORD };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export async function register(app: Express, account: Account): Promise<User> {
  const res = await request(app).post('/auth/register').send(account).expect(201);
  return UserSchema.parse(res.body);
}

export async function login(app: Express, creds: { email: string; password: string }): Promise<TokenResponse> {
  const res = await request(app).post('/auth/login').send({ email: creds.email, password: creds.password }).expect(200);
  return TokenResponseSchema.parse(res.body);
}

/** `POST /auth/refresh`; chain `.expect(...)` or await the response. */
export function refresh(app: Express, refreshToken: string) {
  return request(app).post('/auth/refresh').send({ refresh_token: refreshToken });
}

export interface SignedUp {
  account: Account;
  user: User;
  tokens: TokenResponse;
  auth: { Authorization: string };
}

/** Registers an account (promoted to `role` in the database when not `user`) and logs it in. */
export async function signUp(app: Express, db: Db, opts: { role?: Role; label?: string } = {}): Promise<SignedUp> {
  const account = newAccount(opts.label ?? opts.role ?? 'user');
  let user = await register(app, account);
  if (opts.role && opts.role !== 'user') {
    await db.user.update({ where: { id: user.id }, data: { role: opts.role } });
    user = { ...user, role: opts.role };
  }
  const tokens = await login(app, account);
  return { account, user, tokens, auth: bearer(tokens.access_token) };
}
