import type { RegisterInstanceRequest } from '@platform/contracts';

/** The routes channels publishes to the registry (and so to `/api/discovery`). */
export const CHANNELS_ENDPOINTS: NonNullable<RegisterInstanceRequest['endpoints']> = [
  { method: 'POST', path: '/api/channels', description: 'Create a channel owned by the caller', tags: ['channels'] },
  {
    method: 'GET',
    path: '/api/channels',
    description: "List the caller's channels (admins: all), newest first",
    tags: ['channels'],
  },
  { method: 'GET', path: '/api/channels/{id}', description: 'Get a channel', tags: ['channels'] },
  {
    method: 'PUT',
    path: '/api/channels/{id}',
    description: "Replace a channel's name and description",
    tags: ['channels'],
  },
  { method: 'PATCH', path: '/api/channels/{id}', description: 'Change some fields of a channel', tags: ['channels'] },
  { method: 'DELETE', path: '/api/channels/{id}', description: 'Delete a channel', tags: ['channels'] },
  // The seeds' root paths: the same routes, also mounted at /channels.
  { method: 'GET', path: '/channels', description: 'List channels (same as GET /api/channels)', tags: ['channels'] },
  {
    method: 'POST',
    path: '/channels',
    description: 'Create a channel (same as POST /api/channels)',
    tags: ['channels'],
  },
  {
    method: 'GET',
    path: '/channels/{id}',
    description: 'Get a channel (same as GET /api/channels/{id})',
    tags: ['channels'],
  },
];
