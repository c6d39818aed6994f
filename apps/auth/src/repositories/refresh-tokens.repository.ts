import type { Prisma, RefreshToken, User } from '../generated/prisma/client';
import type { Db } from '../db';

type Tx = Prisma.TransactionClient | Db;

/** Refresh tokens, stored only as hashes, grouped in rotation families. */
export class RefreshTokensRepository {
  constructor(private readonly db: Db) {}

  create(
    data: { familyId: string; userId: string; tokenHash: string; expiresAt: Date; userAgent?: string | null; ip?: string | null },
    tx: Tx = this.db,
  ): Promise<RefreshToken> {
    return tx.refreshToken.create({ data });
  }

  findByHash(tokenHash: string, tx: Tx = this.db): Promise<(RefreshToken & { user: User }) | null> {
    return tx.refreshToken.findUnique({ where: { tokenHash }, include: { user: true } });
  }

  /** Marks a token used only if it is still unused and unrevoked; false means someone used it first. */
  async markUsed(id: string, tx: Tx = this.db): Promise<boolean> {
    const { count } = await tx.refreshToken.updateMany({ where: { id, usedAt: null, revokedAt: null }, data: { usedAt: new Date() } });
    return count === 1;
  }

  async revokeFamily(familyId: string, tx: Tx = this.db): Promise<number> {
    const { count } = await tx.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
    return count;
  }

  async revokeAllForUser(userId: string, exceptFamilyId?: string, tx: Tx = this.db): Promise<number> {
    const { count } = await tx.refreshToken.updateMany({
      where: { userId, revokedAt: null, ...(exceptFamilyId ? { NOT: { familyId: exceptFamilyId } } : {}) },
      data: { revokedAt: new Date() },
    });
    return count;
  }
}
