import { Router, type Request } from 'express';
import {
  ChannelCreateRequestSchema,
  ChannelListQuerySchema,
  ChannelPatchRequestSchema,
  ChannelReplaceRequestSchema,
  IdParamsSchema,
} from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { authOf, requireAction, requireAuth, type TokenVerifier } from '@platform/auth-middleware';
import type { ChannelsService, Viewer } from '../services/channels.service';

const viewerOf = (req: Request): Viewer => {
  const a = authOf(req);
  return { userId: a.userId, role: a.role };
};

const idOf = (req: Request): string => parseInput(IdParamsSchema, req.params, 'params').id;

/**
 * The public channel routes, relative to their mount point (`/api/channels`, and `/channels` for
 * the seeds' root path). People only: a service token's subject is not a user, so it owns nothing.
 */
export function channelsRoutes(d: { channels: ChannelsService; verifier: TokenVerifier }): Router {
  const r = Router();
  r.use(requireAuth(d.verifier));
  const read = requireAction('read');
  const write = requireAction('create');

  r.post('/', write, async (req, res) => {
    const body = parseInput(ChannelCreateRequestSchema, req.body, 'body');
    const channel = await d.channels.create(viewerOf(req), body);
    res.status(201).location(`${req.baseUrl}/${channel.id}`).json(channel);
  });

  r.get('/', read, async (req, res) => {
    res.json(await d.channels.list(viewerOf(req), parseInput(ChannelListQuerySchema, req.query, 'query')));
  });

  r.get('/:id', read, async (req, res) => {
    res.json(await d.channels.get(viewerOf(req), idOf(req)));
  });

  r.put('/:id', write, async (req, res) => {
    const id = idOf(req);
    const body = parseInput(ChannelReplaceRequestSchema, req.body, 'body');
    res.json(await d.channels.replace(viewerOf(req), id, body));
  });

  r.patch('/:id', write, async (req, res) => {
    const id = idOf(req);
    const body = parseInput(ChannelPatchRequestSchema, req.body, 'body');
    res.json(await d.channels.patch(viewerOf(req), id, body));
  });

  r.delete('/:id', write, async (req, res) => {
    await d.channels.delete(viewerOf(req), idOf(req));
    res.status(204).end();
  });
  return r;
}
