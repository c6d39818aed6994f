import { Router } from 'express';
import { IdParamsSchema, UserListQuerySchema, UserUpdateRequestSchema, type InternalUser } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authOf, authorize, requireAction, type TokenVerifier } from '@platform/auth-middleware';
import type { UsersService, Caller } from '../services/users.service';
import { metaOf } from './request-meta';

const callerOf = (req: Parameters<typeof authOf>[0]): Caller => {
  const a = authOf(req);
  return { userId: a.userId, role: a.role, familyId: a.claims.sid };
};

export function usersRoutes(d: { users: UsersService; verifier: TokenVerifier }): Router {
  const r = Router();
  // People only; what else a caller may do here (others' accounts) is the `manage` class, checked per call.
  r.use('/users', ...authorize(d.verifier, 'account'));

  r.get('/users', requireAction('manage'), async (req, res) => {
    res.json(await d.users.list(parseInput(UserListQuerySchema, req.query, 'query')));
  });

  r.get('/users/:id', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    res.json(await d.users.get(callerOf(req), id));
  });

  r.put('/users/:id', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const body = parseInput(UserUpdateRequestSchema, req.body, 'body');
    res.json(await d.users.update(callerOf(req), id, body, metaOf(req)));
  });

  r.delete('/users/:id', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    await d.users.delete(callerOf(req), id, metaOf(req));
    res.status(204).end();
  });
  return r;
}

/** Service-to-service reads (e.g. a user's session quota); never routed by the gateway. */
export function internalRoutes(d: { users: UsersService; verifier: TokenVerifier }): Router {
  const r = Router();
  r.use('/internal', ...authorize(d.verifier, 'internal'));
  r.get('/internal/users/:id', async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const user = await d.users.get({ userId: 'service', role: 'admin' }, id);
    const body: InternalUser = {
      id: user.id,
      username: user.username,
      role: user.role,
      is_active: user.is_active,
      max_concurrent_sessions: user.max_concurrent_sessions,
    };
    res.json(body);
  });
  return r;
}
