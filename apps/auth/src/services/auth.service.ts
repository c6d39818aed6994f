import type { LoginRequest, ProfileUpdateRequest, RegisterRequest, TokenResponse, User as UserDto } from '@platform/contracts';
import { AppError, NotFoundError, UnauthorizedError, ValidationError } from '@platform/service-kit';
import type { Db } from '../db';
import type { User } from '../generated/prisma/client';
import { toUserDto, type UsersRepository } from '../repositories/users.repository';
import type { RefreshTokensRepository } from '../repositories/refresh-tokens.repository';
import type { AuditRepository } from '../repositories/audit.repository';
import type { PasswordHasher } from './passwords';
import { hashToken, type TokenIssuer } from './token-issuer';
import type { RequestMeta } from './request-meta';
import type { Revoker } from './revoker';

const auditMeta = (m: RequestMeta) => ({ ip: m.ip, userAgent: m.userAgent, requestId: m.requestId });

/** Registration, login, refresh-token rotation with reuse detection, logout and self-service profile. */
export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly audit: AuditRepository,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenIssuer,
    private readonly revoke: Revoker,
  ) {}

  async register(input: RegisterRequest & { email: string }, meta: RequestMeta): Promise<UserDto> {
    const passwordHash = await this.passwords.hash(input.password);
    const user = await this.db.$transaction(async (tx) => {
      const created = await this.users.create({ email: input.email, username: input.username, passwordHash }, tx);
      await this.audit.record({ event: 'user_registered', userId: created.id, actorId: created.id, ...auditMeta(meta) }, tx);
      return created;
    });
    return toUserDto(user);
  }

  async login(input: LoginRequest & { email: string }, meta: RequestMeta): Promise<TokenResponse> {
    const user = await this.users.findByEmail(input.email);
    const ok = await this.passwords.verify(user?.passwordHash, input.password);
    if (!user || !ok) {
      await this.audit.record({ event: 'login_failed', userId: user?.id ?? null, details: { email: input.email }, ...auditMeta(meta) });
      throw new UnauthorizedError('Invalid email or password', 'INVALID_CREDENTIALS');
    }
    if (!user.isActive) {
      await this.audit.record({ event: 'login_failed', userId: user.id, details: { reason: 'disabled' }, ...auditMeta(meta) });
      throw new AppError('ACCOUNT_DISABLED', 'This account is disabled');
    }
    return this.db.$transaction(async (tx) => {
      const tokens = await this.tokens.issue(user, undefined, meta, tx);
      await this.audit.record({ event: 'login_succeeded', userId: user.id, actorId: user.id, ...auditMeta(meta) }, tx);
      return tokens;
    });
  }

  /** Rotates a refresh token; presenting one already used revokes its whole family. */
  async refresh(token: string, meta: RequestMeta): Promise<TokenResponse> {
    const found = await this.refreshTokens.findByHash(hashToken(token));
    if (!found || (found.revokedAt && !found.usedAt)) throw new UnauthorizedError('Invalid refresh token');
    if (found.usedAt) return this.reuseDetected(found.familyId, found.userId, meta);
    if (found.expiresAt.getTime() <= Date.now()) throw new UnauthorizedError('Refresh token expired', 'TOKEN_EXPIRED');
    if (!found.user.isActive) throw new AppError('ACCOUNT_DISABLED', 'This account is disabled');
    const rotated = await this.db.$transaction(async (tx) => {
      if (!(await this.refreshTokens.markUsed(found.id, tx))) return undefined;
      const tokens = await this.tokens.issue(found.user, found.familyId, meta, tx);
      await this.audit.record({ event: 'token_refreshed', userId: found.userId, actorId: found.userId, ...auditMeta(meta) }, tx);
      return tokens;
    });
    // Lost a race against a concurrent use of the same token: that is reuse too.
    return rotated ?? this.reuseDetected(found.familyId, found.userId, meta);
  }

  private async reuseDetected(familyId: string, userId: string, meta: RequestMeta): Promise<never> {
    const revoked = await this.db.$transaction(async (tx) => {
      const n = await this.refreshTokens.revokeFamily(familyId, tx);
      // A stolen refresh token was used: the access tokens of that login go too.
      await this.revoke.login(userId, familyId, tx);
      await this.audit.record({ event: 'refresh_token_reused', userId, details: { family_id: familyId, revoked: n }, ...auditMeta(meta) }, tx);
      return n;
    });
    await this.revoke.publish();
    throw new AppError('TOKEN_REUSED', 'Refresh token was already used; this session has been revoked', {
      details: { revoked_tokens: revoked },
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }

  /** Ends this login: its refresh tokens, and its access tokens everywhere (other logins stay). */
  async logout(userId: string, familyId: string | undefined, meta: RequestMeta): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const revoked = familyId ? await this.refreshTokens.revokeFamily(familyId, tx) : 0;
      if (familyId) await this.revoke.login(userId, familyId, tx);
      // A token without a login id (none auth issues today) can only be ended with every other one.
      else await this.revoke.user(userId, tx);
      await this.audit.record({ event: 'logout', userId, actorId: userId, details: { family_id: familyId ?? null, revoked }, ...auditMeta(meta) }, tx);
    });
    await this.revoke.publish();
  }

  async profile(userId: string): Promise<UserDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('User');
    return toUserDto(user);
  }

  /**
   * Own username and password; a new password needs the current one, signs out other logins and revokes
   * every access token (this login's too: its refresh token stays valid and gives a fresh one).
   */
  async updateProfile(userId: string, input: ProfileUpdateRequest, familyId: string | undefined, meta: RequestMeta): Promise<UserDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('User');
    return toUserDto(await this.applySelfUpdate(user, input, familyId, meta));
  }

  async applySelfUpdate(user: User, input: { username?: string | undefined; password?: string | undefined; current_password?: string | undefined }, familyId: string | undefined, meta: RequestMeta): Promise<User> {
    let passwordHash: string | undefined;
    if (input.password !== undefined) {
      if (!input.current_password || !(await this.passwords.verify(user.passwordHash, input.current_password))) {
        throw new ValidationError([{ path: 'body.current_password', message: 'is incorrect', code: 'custom' }]);
      }
      passwordHash = await this.passwords.hash(input.password);
    }
    const updated = await this.db.$transaction(async (tx) => {
      const next = await this.users.update(
        user.id,
        { ...(input.username !== undefined ? { username: input.username } : {}), ...(passwordHash ? { passwordHash } : {}) },
        tx,
      );
      if (passwordHash) {
        await this.refreshTokens.revokeAllForUser(user.id, familyId, tx);
        await this.revoke.user(user.id, tx);
        await this.audit.record({ event: 'password_changed', userId: user.id, actorId: user.id, ...auditMeta(meta) }, tx);
      }
      if (input.username !== undefined && input.username !== user.username) {
        await this.audit.record({ event: 'profile_updated', userId: user.id, actorId: user.id, details: { username: { from: user.username, to: input.username } }, ...auditMeta(meta) }, tx);
      }
      return next;
    });
    if (passwordHash) await this.revoke.publish();
    return updated;
  }
}
