import type { Prisma, TokenRevocation } from '../generated/prisma/client';
import type { Db } from '../db';

type Tx = Prisma.TransactionClient | Db;

export type RevocationRecord =
  | { kind: 'user'; userId: string; minVersion: number }
  | { kind: 'session'; userId: string; sessionId: string };

/** The outbox of access-token revocations (see the TokenRevocation model). */
export class RevocationsRepository {
  constructor(private readonly db: Db) {}

  record(r: RevocationRecord, tx: Tx = this.db): Promise<TokenRevocation> {
    return tx.tokenRevocation.create({
      data: r.kind === 'user' ? { kind: 'user', userId: r.userId, minVersion: r.minVersion } : { kind: 'session', userId: r.userId, sessionId: r.sessionId },
    });
  }

  /** Unpublished revocations, oldest first, locked for this transaction (others skip them). */
  claimUnpublished(limit: number, tx: Prisma.TransactionClient): Promise<TokenRevocation[]> {
    return tx.$queryRaw<TokenRevocation[]>`
      SELECT id, kind, user_id AS "userId", session_id AS "sessionId", min_version AS "minVersion", created_at AS "createdAt", published_at AS "publishedAt"
      FROM token_revocations WHERE published_at IS NULL ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  }

  async markPublished(ids: string[], tx: Prisma.TransactionClient): Promise<void> {
    await tx.tokenRevocation.updateMany({ where: { id: { in: ids } }, data: { publishedAt: new Date() } });
  }

  /** Deletes published rows older than `before` (they have done their work; Redis prunes its copy too). */
  async prune(before: Date): Promise<number> {
    const { count } = await this.db.tokenRevocation.deleteMany({ where: { publishedAt: { not: null }, createdAt: { lt: before } } });
    return count;
  }
}
