import { z } from 'zod';
import { PageQuerySchema, pageOf } from './common';

export const RoleSchema = z.enum(['admin', 'user', 'agent', 'guest']);
export type Role = z.infer<typeof RoleSchema>;
/** Roles a token may carry: people's roles plus `service` for service-to-service calls. */
export const TokenRoleSchema = z.enum(['admin', 'user', 'agent', 'guest', 'service']);
export type TokenRole = z.infer<typeof TokenRoleSchema>;

export const EmailSchema = z
  .email()
  .max(254)
  .transform((s) => s.toLowerCase());
export const UsernameSchema = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, underscore, dot and dash only');
export const PasswordSchema = z
  .string()
  .min(10, 'at least 10 characters')
  .max(128, 'at most 128 characters')
  .regex(/[A-Za-z]/, 'must contain a letter')
  .regex(/[0-9]/, 'must contain a digit');

export const RegisterRequestSchema = z.strictObject({
  email: EmailSchema,
  username: UsernameSchema,
  password: PasswordSchema,
});
export type RegisterRequest = z.input<typeof RegisterRequestSchema>;

export const LoginRequestSchema = z.strictObject({
  email: EmailSchema,
  password: z.string().min(1).max(128),
});
export type LoginRequest = z.input<typeof LoginRequestSchema>;

export const RefreshRequestSchema = z.strictObject({ refresh_token: z.string().min(20).max(200) });
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;

export const TokenResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().positive(),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

export const UserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  username: z.string(),
  role: RoleSchema,
  is_active: z.boolean(),
  max_concurrent_sessions: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const ProfileUpdateRequestSchema = z
  .strictObject({
    username: UsernameSchema.optional(),
    password: PasswordSchema.optional(),
    current_password: z.string().min(1).max(128).optional(),
  })
  .refine((b) => b.username !== undefined || b.password !== undefined, {
    message: 'give username or password',
  })
  .refine((b) => b.password === undefined || b.current_password !== undefined, {
    message: 'current_password is required to change the password',
    path: ['current_password'],
  })
  // The refinements above, for the generated OpenAPI document.
  .meta({
    anyOf: [{ required: ['username'] }, { required: ['password'] }],
    dependentRequired: { password: ['current_password'] },
  });
export type ProfileUpdateRequest = z.infer<typeof ProfileUpdateRequestSchema>;

/** `PUT /users/{id}`: admins may set every field; a user on themself only username and password. */
export const UserUpdateRequestSchema = z
  .strictObject({
    username: UsernameSchema.optional(),
    password: PasswordSchema.optional(),
    current_password: z.string().min(1).max(128).optional(),
    role: RoleSchema.optional(),
    is_active: z.boolean().optional(),
    max_concurrent_sessions: z.number().int().min(0).max(1000).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to update' })
  .meta({ minProperties: 1 }); // the refinement, for the generated OpenAPI document
export type UserUpdateRequest = z.infer<typeof UserUpdateRequestSchema>;

export const UserListQuerySchema = PageQuerySchema.extend({
  role: RoleSchema.optional(),
  is_active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  q: z
    .string()
    .min(1)
    .max(100)
    .refine((s) => !s.includes('\0'), 'must not contain NUL characters') // Postgres text cannot hold them
    .optional(),
});
export type UserListQuery = z.infer<typeof UserListQuerySchema>;
export const UserListResponseSchema = pageOf(UserSchema);
export type UserListResponse = z.infer<typeof UserListResponseSchema>;

export const ServiceTokenRequestSchema = z.strictObject({
  client_id: z.string().min(1).max(100),
  client_secret: z.string().min(1).max(500),
});
export type ServiceTokenRequest = z.infer<typeof ServiceTokenRequestSchema>;
export const ServiceTokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().positive(),
});
export type ServiceTokenResponse = z.infer<typeof ServiceTokenResponseSchema>;

/** Claims of an access token signed by auth (people and services alike). */
export const AccessTokenClaimsSchema = z.object({
  sub: z.string(),
  role: TokenRoleSchema,
  jti: z.string(),
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.number(),
  exp: z.number(),
  username: z.string().optional(),
  /** The login (refresh-token family) the token belongs to: logging out revokes every token of it. */
  sid: z.string().optional(),
  /**
   * The user's token version when auth read the user to issue this token. A role change, a new password,
   * disabling or deleting the user raise the version, and tokens below the user's current one are revoked.
   * Absent (tokens of older auth versions, service tokens) counts as 0.
   */
  tv: z.number().int().min(0).optional(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaimsSchema>;

export const JwkSchema = z
  .object({ kty: z.string(), kid: z.string(), alg: z.string().optional(), use: z.string().optional() })
  .catchall(z.unknown());
export type Jwk = z.infer<typeof JwkSchema>;
export const JwksSchema = z.object({ keys: z.array(JwkSchema) });
export type Jwks = z.infer<typeof JwksSchema>;

/** What other services may learn of a user through `GET /internal/users/{id}`. */
export const InternalUserSchema = UserSchema.pick({
  id: true,
  username: true,
  role: true,
  is_active: true,
  max_concurrent_sessions: true,
});
export type InternalUser = z.infer<typeof InternalUserSchema>;

export const MessageResponseSchema = z.object({ message: z.string() });
export type MessageResponse = z.infer<typeof MessageResponseSchema>;
