import { roleMay, type TokenRole, type User as UserDto, type UserListQuery, type UserListResponse, type UserUpdateRequest } from '@platform/contracts';
import { ConflictError, ForbiddenError, NotFoundError } from '@platform/service-kit';
import { decodeCursor, pageFrom } from '@platform/db-kit';
import type { Db } from '../db';
import type { Prisma } from '../generated/prisma/client';
import { toUserDto, type UsersRepository } from '../repositories/users.repository';
import type { RefreshTokensRepository } from '../repositories/refresh-tokens.repository';
import type { AuditRepository } from '../repositories/audit.repository';
import type { PasswordHasher } from './passwords';
import type { AuthService } from './auth.service';
import type { RequestMeta } from './request-meta';
import type { Revoker } from './revoker';

export interface Caller {
  userId: string;
  role: TokenRole;
  familyId?: string | undefined;
}

/** User administration: admins manage everyone; a user sees and edits only themself (others are 404). */
export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly audit: AuditRepository,
    private readonly passwords: PasswordHasher,
    private readonly auth: AuthService,
    private readonly revoke: Revoker,
  ) {}

  async list(q: UserListQuery): Promise<UserListResponse> {
    const rows = await this.users.list({ role: q.role, isActive: q.is_active, q: q.q, after: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit });
    return pageFrom(rows, q.limit, toUserDto);
  }

  async get(caller: Caller, id: string): Promise<UserDto> {
    if (!roleMay(caller.role, 'manage') && caller.userId !== id) throw new NotFoundError('User');
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('User');
    return toUserDto(user);
  }

  async update(caller: Caller, id: string, input: UserUpdateRequest, meta: RequestMeta): Promise<UserDto> {
    const isAdmin = roleMay(caller.role, 'manage');
    if (!isAdmin && caller.userId !== id) throw new NotFoundError('User');
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('User');
    const adminFields = input.role !== undefined || input.is_active !== undefined || input.max_concurrent_sessions !== undefined;
    if (!isAdmin) {
      if (adminFields) throw new ForbiddenError('Only admins may change role, is_active or max_concurrent_sessions');
      return toUserDto(await this.auth.applySelfUpdate(user, input, caller.familyId, meta));
    }
    const losesAdmin = user.role === 'admin' && user.isActive && ((input.role !== undefined && input.role !== 'admin') || input.is_active === false);
    const passwordHash = input.password !== undefined ? await this.passwords.hash(input.password) : undefined;
    const data: Prisma.UserUpdateInput = {
      ...(input.username !== undefined ? { username: input.username } : {}),
      ...(passwordHash ? { passwordHash } : {}),
      ...(input.role !== undefined ? { role: input.role } : {}),
      ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
      ...(input.max_concurrent_sessions !== undefined ? { maxConcurrentSessions: input.max_concurrent_sessions } : {}),
    };
    const audit = { userId: id, actorId: caller.userId, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId };
    // Whatever a token says about its holder (role, being active) or proves (the password) must not outlive a change to it.
    const revokes =
      (input.role !== undefined && input.role !== user.role) || (input.is_active === false && user.isActive) || passwordHash !== undefined;
    const updated = await this.db.$transaction(async (tx) => {
      if (losesAdmin && (await this.users.countActiveAdmins(tx)) <= 1) throw new ConflictError('Cannot remove the last active admin');
      const next = await this.users.update(id, data, tx);
      if (revokes) await this.revoke.user(id, tx);
      if (input.role !== undefined && input.role !== user.role) {
        await this.audit.record({ event: 'role_changed', details: { from: user.role, to: input.role }, ...audit }, tx);
      }
      if (input.is_active !== undefined && input.is_active !== user.isActive) {
        await this.audit.record({ event: 'status_changed', details: { is_active: input.is_active }, ...audit }, tx);
        if (!input.is_active) await this.refreshTokens.revokeAllForUser(id, undefined, tx);
      }
      if (passwordHash) {
        await this.refreshTokens.revokeAllForUser(id, undefined, tx);
        await this.audit.record({ event: 'password_changed', ...audit }, tx);
      }
      if (input.username !== undefined || input.max_concurrent_sessions !== undefined) {
        await this.audit.record({ event: 'user_updated', details: { username: input.username ?? null, max_concurrent_sessions: input.max_concurrent_sessions ?? null }, ...audit }, tx);
      }
      return next;
    });
    if (revokes) await this.revoke.publish();
    return toUserDto(updated);
  }

  async delete(caller: Caller, id: string, meta: RequestMeta): Promise<void> {
    if (!roleMay(caller.role, 'manage')) {
      if (caller.userId !== id) throw new NotFoundError('User');
      throw new ForbiddenError('Only admins may delete users');
    }
    await this.db.$transaction(async (tx) => {
      const user = await this.users.findById(id, tx);
      if (!user) throw new NotFoundError('User');
      if (user.role === 'admin' && user.isActive && (await this.users.countActiveAdmins(tx)) <= 1) {
        throw new ConflictError('Cannot delete the last active admin');
      }
      await this.users.delete(id, tx);
      await this.revoke.deletedUser(user, tx);
      await this.audit.record(
        { event: 'user_deleted', userId: id, actorId: caller.userId, details: { email: user.email }, ip: meta.ip, userAgent: meta.userAgent, requestId: meta.requestId },
        tx,
      );
    });
    await this.revoke.publish();
  }
}
