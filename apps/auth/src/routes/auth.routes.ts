import { Router } from 'express';
import {
  LoginRequestSchema,
  ProfileUpdateRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
  ServiceTokenRequestSchema,
  type MessageResponse,
} from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authOf, authorize, type TokenVerifier } from '@platform/auth-middleware';
import type { AuthService } from '../services/auth.service';
import type { ServiceIdentity } from '../services/service-identity';
import type { SigningKeys } from '../services/signing-keys';
import { metaOf } from './request-meta';

export function authRoutes(d: { auth: AuthService; identity: ServiceIdentity; keys: SigningKeys; verifier: TokenVerifier }): Router {
  const r = Router();
  // People only (the `account` action class): a service token's subject is not a user id.
  const ownAccount = authorize(d.verifier, 'account');

  r.get('/auth/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(d.keys.jwks());
  });

  r.post('/auth/register', async (req, res) => {
    const body = parseInput(RegisterRequestSchema, req.body, 'body');
    res.status(201).json(await d.auth.register(body, metaOf(req)));
  });

  r.post('/auth/login', async (req, res) => {
    const body = parseInput(LoginRequestSchema, req.body, 'body');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await d.auth.login(body, metaOf(req)));
  });

  r.post('/auth/refresh', async (req, res) => {
    const { refresh_token } = parseInput(RefreshRequestSchema, req.body, 'body');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await d.auth.refresh(refresh_token, metaOf(req)));
  });

  r.post('/auth/logout', ...ownAccount, async (req, res) => {
    const caller = authOf(req);
    await d.auth.logout(caller.userId, caller.claims.sid, metaOf(req));
    const body: MessageResponse = { message: 'Logged out' };
    res.json(body);
  });

  r.get('/auth/profile', ...ownAccount, async (req, res) => {
    res.json(await d.auth.profile(authOf(req).userId));
  });

  r.put('/auth/profile', ...ownAccount, async (req, res) => {
    const caller = authOf(req);
    const body = parseInput(ProfileUpdateRequestSchema, req.body, 'body');
    res.json(await d.auth.updateProfile(caller.userId, body, caller.claims.sid, metaOf(req)));
  });

  r.post('/auth/service-token', (req, res) => {
    const body = parseInput(ServiceTokenRequestSchema, req.body, 'body');
    res.setHeader('Cache-Control', 'no-store');
    res.json(d.identity.issue(body.client_id, body.client_secret));
  });
  return r;
}
