import { ConflictError } from '@platform/service-kit';
import type { Role, User as UserDto } from '@platform/contracts';
import type { Prisma, User } from '../generated/prisma/client';
import { isUniqueViolation } from '@platform/db-kit';
import type { Db } from '../db';

export type UserRow = User;
type Tx = Prisma.TransactionClient | Db;

export function toUserDto(u: User): UserDto {
  return {
    id: u.id,
    email: u.email,
    username: u.username,
    role: u.role,
    is_active: u.isActive,
    max_concurrent_sessions: u.maxConcurrentSessions,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

export interface UserFilter {
  role?: Role | undefined;
  isActive?: boolean | undefined;
  q?: string | undefined;
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Usernames are unique whatever their case; the key is what the unique index sees (the name keeps its case). */
export const usernameKeyOf = (username: string): string => username.toLowerCase();

/** Prisma hands `contains` to ILIKE as is: escape LIKE's wildcards so a search for `_` or `%` means those characters. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Users in Postgres; unique clashes surface as ConflictError. */
export class UsersRepository {
  constructor(private readonly db: Db) {}

  findById(id: string, tx: Tx = this.db): Promise<User | null> {
    return tx.user.findUnique({ where: { id } });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.db.user.findUnique({ where: { email: email.toLowerCase() } });
  }

  async create(data: { email: string; username: string; passwordHash: string; role?: Role }, tx: Tx = this.db): Promise<User> {
    try {
      return await tx.user.create({ data: { ...data, email: data.email.toLowerCase(), usernameKey: usernameKeyOf(data.username) } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('Email or username is already taken');
      throw err;
    }
  }

  async update(id: string, data: Prisma.UserUpdateInput, tx: Tx = this.db): Promise<User> {
    const withKey = typeof data.username === 'string' ? { ...data, usernameKey: usernameKeyOf(data.username) } : data;
    try {
      return await tx.user.update({ where: { id }, data: withKey });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('Username is already taken', { field: 'username' });
      throw err;
    }
  }

  /** Raises the user's token version (revoking every access token issued before) and returns the new one. */
  async bumpTokenVersion(id: string, tx: Tx = this.db): Promise<number> {
    const { tokenVersion } = await tx.user.update({ where: { id }, data: { tokenVersion: { increment: 1 } }, select: { tokenVersion: true } });
    return tokenVersion;
  }

  delete(id: string, tx: Tx = this.db): Promise<User> {
    return tx.user.delete({ where: { id } });
  }

  /**
   * Counts active admins and locks their rows until the transaction ends, so two concurrent
   * demotions (or deletes) cannot both see "another admin remains" and leave none.
   */
  async countActiveAdmins(tx: Tx = this.db): Promise<number> {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id FOR UPDATE`;
    return rows.length;
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  list(f: UserFilter): Promise<User[]> {
    const where: Prisma.UserWhereInput = {
      ...(f.role ? { role: f.role } : {}),
      ...(f.isActive !== undefined ? { isActive: f.isActive } : {}),
      ...(f.q
        ? { OR: [{ email: { contains: likeLiteral(f.q), mode: 'insensitive' } }, { username: { contains: likeLiteral(f.q), mode: 'insensitive' } }] }
        : {}),
      ...(f.after
        ? { AND: [{ OR: [{ createdAt: { lt: f.after.createdAt } }, { createdAt: f.after.createdAt, id: { lt: f.after.id } }] }] }
        : {}),
    };
    return this.db.user.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: f.limit + 1 });
  }
}
