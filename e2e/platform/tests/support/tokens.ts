import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export interface TokenParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Splits a compact JWT into its decoded header and payload. */
export function decodeToken(token: string): TokenParts {
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') throw new Error('not a JWT');
  return { header: decoded.header as unknown as Record<string, unknown>, payload: decoded.payload as Record<string, unknown> };
}

/** Claims like auth's own, for `sub` as `role`, valid for a minute from now unless overridden. */
export function claimsFor(sub: string, role: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub, role, jti: `forged-${now}`, iss: 'agent-platform', aud: 'agent-platform', iat: now, exp: now + 60, ...overrides };
}

/** An ES256 token over `payload` signed by `key` with header `kid`. */
export function signEs256(key: KeyObject, kid: string, payload: Record<string, unknown>): string {
  return jwt.sign(payload, key, { algorithm: 'ES256', keyid: kid });
}

/** A fresh P-256 key that auth has never published. */
export const strangerKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/** `header.payload.` with no signature, as `alg: none` tokens are. */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64url(header)}.${b64url(payload)}.`;
}

/** An HS256 token keyed with `secret` (e.g. the public key, for algorithm-confusion attempts). */
export function hs256Token(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const input = `${b64url({ ...header, alg: 'HS256' })}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The token with its payload changed but its original header and signature kept. */
export function tamperedToken(token: string, patch: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url({ ...decodeToken(token).payload, ...patch })}.${signature}`;
}
