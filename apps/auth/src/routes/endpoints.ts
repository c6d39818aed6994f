import type { RegisterInstanceRequest } from '@platform/contracts';

/** The routes auth publishes to the registry (and so to `/api/discovery`). */
export const AUTH_ENDPOINTS: NonNullable<RegisterInstanceRequest['endpoints']> = [
  { method: 'POST', path: '/auth/register', description: 'Register a user', tags: ['auth'], public: true },
  { method: 'POST', path: '/auth/login', description: 'Log in; returns access and refresh tokens', tags: ['auth'], public: true },
  { method: 'POST', path: '/auth/refresh', description: 'Rotate a refresh token', tags: ['auth'], public: true },
  { method: 'POST', path: '/auth/logout', description: "Revoke the caller's refresh-token family", tags: ['auth'] },
  { method: 'GET', path: '/auth/profile', description: 'The caller', tags: ['auth'] },
  { method: 'PUT', path: '/auth/profile', description: 'Change own username or password', tags: ['auth'] },
  { method: 'GET', path: '/auth/.well-known/jwks.json', description: 'Public keys that verify access tokens', tags: ['auth'], public: true },
  { method: 'POST', path: '/auth/service-token', description: 'Client-credentials token for services', tags: ['auth', 'internal'], public: true },
  { method: 'GET', path: '/users', description: 'List users (admin)', tags: ['users'] },
  { method: 'GET', path: '/users/{id}', description: 'Get a user (admin, or yourself)', tags: ['users'] },
  { method: 'PUT', path: '/users/{id}', description: 'Update a user (admin, or yourself)', tags: ['users'] },
  { method: 'DELETE', path: '/users/{id}', description: 'Delete a user (admin)', tags: ['users'] },
];
