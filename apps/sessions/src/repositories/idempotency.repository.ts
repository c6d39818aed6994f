import { Prisma, type IdempotencyKey } from '../generated/prisma/client';
import type { Db } from '../db';

export type Claim =
  /** The key is ours: go ahead, then complete or release it (naming the claim by when it was made). */
  | { kind: 'claimed'; at: Date }
  | { kind: 'existing'; record: IdempotencyKey };

/** Idempotency keys per person: claimed before a request runs, completed with its answer. */
export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  /**
   * Takes the key for a request, atomically. An expired record, or one still in flight since before
   * `abandonedBefore` (its request died with its process), is replaced; any other is returned.
   */
  async claim(userId: string, key: string, fingerprint: string, expiresAt: Date, abandonedBefore: Date): Promise<Claim> {
    const now = new Date();
    const inserted = await this.db.$executeRaw`
      INSERT INTO idempotency_keys (user_id, key, fingerprint, state, created_at, expires_at)
      VALUES (${userId}::uuid, ${key}, ${fingerprint}, 'in_flight', ${now}, ${expiresAt})
      ON CONFLICT (user_id, key) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight', response_status = NULL, response_body = NULL,
            created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= ${now}
           OR (idempotency_keys.state = 'in_flight' AND idempotency_keys.created_at < ${abandonedBefore})`;
    if (inserted === 1) return { kind: 'claimed', at: now };
    const record = await this.db.idempotencyKey.findUnique({ where: { userId_key: { userId, key } } });
    // Gone in between (pruned, released): try once more.
    if (!record) return this.claim(userId, key, fingerprint, expiresAt, abandonedBefore);
    return { kind: 'existing', record };
  }

  async complete(userId: string, key: string, claimedAt: Date, status: number, body: unknown): Promise<void> {
    await this.db.idempotencyKey.updateMany({
      where: { userId, key, state: 'in_flight', createdAt: claimedAt },
      data: { state: 'done', responseStatus: status, responseBody: body === undefined || body === null ? Prisma.JsonNull : (body as Prisma.InputJsonValue) },
    });
  }

  /** Frees the key of a request that did not succeed, so a retry runs it again (unless another took it over). */
  async release(userId: string, key: string, claimedAt: Date): Promise<void> {
    await this.db.idempotencyKey.deleteMany({ where: { userId, key, state: 'in_flight', createdAt: claimedAt } });
  }

  async prune(now: Date): Promise<number> {
    return (await this.db.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } })).count;
  }
}
