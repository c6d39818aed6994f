import {
  IdParamsSchema,
  JwksSchema,
  LoginRequestSchema,
  MessageResponseSchema,
  ProfileUpdateRequestSchema,
  RefreshRequestSchema,
  RegisterRequestSchema,
  ServiceTokenRequestSchema,
  ServiceTokenResponseSchema,
  TokenResponseSchema,
  UserListQuerySchema,
  UserListResponseSchema,
  UserSchema,
  UserUpdateRequestSchema,
  endpointsFromOperations,
  type ApiOperation,
} from '@platform/contracts';

const ID = { params: IdParamsSchema, examples: { params: { id: '0b5c6f1e-8d1a-4c1b-9f5e-2a7d3c4b5e6f' } } };
const user = { 200: { description: 'The user', schema: UserSchema } };
const tokens = { 200: { description: 'A fresh access token and refresh token', schema: TokenResponseSchema } };
const selfOrAdmin = { 403: { description: 'Neither an admin nor that user' }, 404: { description: 'No such user' } };

/** Every public route of auth, documented from the schemas the routes parse with. */
export const AUTH_OPERATIONS: ApiOperation[] = [
  {
    method: 'POST',
    path: '/auth/register',
    summary: 'Register a user',
    tags: ['auth'],
    auth: 'public',
    request: {
      body: RegisterRequestSchema,
      examples: { body: { email: 'ada@example.com', username: 'ada', password: 'correct-horse-42' } },
    },
    responses: {
      201: { description: 'The new user', schema: UserSchema },
      409: { description: 'Email or username taken' },
    },
  },
  {
    method: 'POST',
    path: '/auth/login',
    summary: 'Log in; returns access and refresh tokens',
    tags: ['auth'],
    auth: 'public',
    request: {
      body: LoginRequestSchema,
      examples: { body: { email: 'ada@example.com', password: 'correct-horse-42' } },
    },
    responses: {
      ...tokens,
      401: { description: 'Wrong email or password (`INVALID_CREDENTIALS`)' },
      403: { description: 'Account disabled' },
    },
  },
  {
    method: 'POST',
    path: '/auth/refresh',
    summary: 'Rotate a refresh token',
    description: 'Each refresh token works once; reusing one revokes its whole family (`TOKEN_REUSED`).',
    tags: ['auth'],
    auth: 'public',
    request: {
      body: RefreshRequestSchema,
      examples: { body: { refresh_token: 'rt_0123456789abcdef0123456789abcdef' } },
    },
    responses: { ...tokens, 401: { description: 'Unknown, expired or reused refresh token' } },
  },
  {
    method: 'POST',
    path: '/auth/logout',
    summary: "Revoke the caller's refresh-token family",
    tags: ['auth'],
    auth: 'user',
    responses: { 200: { description: 'Logged out', schema: MessageResponseSchema } },
  },
  {
    method: 'GET',
    path: '/auth/profile',
    summary: 'The caller',
    tags: ['auth'],
    auth: 'user',
    responses: user,
  },
  {
    method: 'PUT',
    path: '/auth/profile',
    summary: 'Change own username or password',
    description: 'Changing the password needs `current_password` and revokes the other sessions.',
    tags: ['auth'],
    auth: 'user',
    request: { body: ProfileUpdateRequestSchema, examples: { body: { username: 'ada_l' } } },
    responses: {
      ...user,
      401: { description: 'No valid token, or wrong current password' },
      409: { description: 'Username taken' },
    },
  },
  {
    method: 'GET',
    path: '/auth/.well-known/jwks.json',
    summary: 'Public keys that verify access tokens',
    tags: ['auth'],
    auth: 'public',
    responses: { 200: { description: 'JSON Web Key Set', schema: JwksSchema } },
  },
  {
    method: 'POST',
    path: '/auth/service-token',
    summary: 'Client-credentials token for services',
    tags: ['auth', 'internal'],
    auth: 'public',
    request: {
      body: ServiceTokenRequestSchema,
      examples: { body: { client_id: 'sessions', client_secret: 'secret' } },
    },
    responses: {
      200: { description: 'A service access token', schema: ServiceTokenResponseSchema },
      401: { description: 'Unknown client or wrong secret' },
    },
  },
  {
    method: 'GET',
    path: '/users',
    summary: 'List users (admin)',
    tags: ['users'],
    auth: 'admin',
    request: { query: UserListQuerySchema, examples: { query: { limit: 20, role: 'user', is_active: 'true' } } },
    responses: { 200: { description: 'A page of users', schema: UserListResponseSchema } },
  },
  {
    method: 'GET',
    path: '/users/{id}',
    summary: 'Get a user (admin, or yourself)',
    tags: ['users'],
    auth: 'user',
    request: ID,
    responses: { ...user, ...selfOrAdmin },
  },
  {
    method: 'PUT',
    path: '/users/{id}',
    summary: 'Update a user (admin, or yourself)',
    description: 'Admins may set every field; a user on themself only `username` and `password`.',
    tags: ['users'],
    auth: 'user',
    request: { ...ID, body: UserUpdateRequestSchema, examples: { ...ID.examples, body: { username: 'ada_l' } } },
    responses: { ...user, ...selfOrAdmin, 409: { description: 'Username taken, or the last active admin' } },
  },
  {
    method: 'DELETE',
    path: '/users/{id}',
    summary: 'Delete a user (admin)',
    tags: ['users'],
    auth: 'admin',
    request: ID,
    responses: {
      204: { description: 'Deleted' },
      404: { description: 'No such user' },
      409: { description: 'The last active admin' },
    },
  },
];

/** The routes auth publishes to the registry (and so to `/api/discovery`). */
export const AUTH_ENDPOINTS = endpointsFromOperations(AUTH_OPERATIONS);
