import {
  ChannelCreateRequestSchema,
  ChannelListQuerySchema,
  ChannelListResponseSchema,
  ChannelPatchRequestSchema,
  ChannelReplaceRequestSchema,
  ChannelSchema,
  IdParamsSchema,
  endpointsFromOperations,
  type ApiOperation,
} from '@platform/contracts';

const ID = '0b5c6f1e-8d1a-4c1b-9f5e-2a7d3c4b5e6f';
const params = { params: IdParamsSchema, examples: { params: { id: ID } } };
const notFound = { 404: { description: 'No such channel, or not yours' } };
const conflict = { 409: { description: 'You already have a channel with that name' } };

/** The channel routes relative to a mount point; the service mounts them at `/api/channels` and `/channels`. */
const routes = (base: string, alias?: string): ApiOperation[] => {
  const also = alias ? ` (same as under ${alias})` : '';
  const tags = ['channels'];
  return [
    {
      method: 'POST',
      path: base,
      summary: `Create a channel owned by the caller${also}`,
      tags,
      auth: 'user',
      request: {
        body: ChannelCreateRequestSchema,
        examples: { body: { name: 'research', description: 'Agent experiments' } },
      },
      responses: { 201: { description: 'The new channel (Location names it)', schema: ChannelSchema }, ...conflict },
    },
    {
      method: 'GET',
      path: base,
      summary: `List the caller's channels (admins: all), newest first${also}`,
      tags,
      auth: 'user',
      request: { query: ChannelListQuerySchema, examples: { query: { limit: 20 } } },
      responses: { 200: { description: 'A page of channels', schema: ChannelListResponseSchema } },
    },
    {
      method: 'GET',
      path: `${base}/{id}`,
      summary: `Get a channel${also}`,
      tags,
      auth: 'user',
      request: params,
      responses: { 200: { description: 'The channel', schema: ChannelSchema }, ...notFound },
    },
    {
      method: 'PUT',
      path: `${base}/{id}`,
      summary: `Replace a channel's name and description${also}`,
      tags,
      auth: 'user',
      request: {
        ...params,
        body: ChannelReplaceRequestSchema,
        examples: { ...params.examples, body: { name: 'research' } },
      },
      responses: { 200: { description: 'The channel', schema: ChannelSchema }, ...notFound, ...conflict },
    },
    {
      method: 'PATCH',
      path: `${base}/{id}`,
      summary: `Change some fields of a channel${also}`,
      tags,
      auth: 'user',
      request: {
        ...params,
        body: ChannelPatchRequestSchema,
        examples: { ...params.examples, body: { description: null } },
      },
      responses: { 200: { description: 'The channel', schema: ChannelSchema }, ...notFound, ...conflict },
    },
    {
      method: 'DELETE',
      path: `${base}/{id}`,
      summary: `Delete a channel${also}`,
      tags,
      auth: 'user',
      request: params,
      responses: { 204: { description: 'Deleted' }, ...notFound },
    },
  ];
};

/** Every public route of channels, documented from the schemas the routes parse with. */
export const CHANNELS_OPERATIONS: ApiOperation[] = [
  ...routes('/api/channels'),
  // The seeds' root paths: the same routes, also mounted at /channels.
  ...routes('/channels', '/api/channels'),
];

/** The routes channels publishes to the registry (and so to `/api/discovery`). */
export const CHANNELS_ENDPOINTS = endpointsFromOperations(CHANNELS_OPERATIONS);
