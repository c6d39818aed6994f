import type { Prisma } from '../generated/prisma/client';
import type { UsersRepository } from '../repositories/users.repository';
import type { RevocationsRepository } from '../repositories/revocations.repository';
import type { RevocationOutbox } from './revocation-outbox';

type Tx = Prisma.TransactionClient;

/**
 * Access-token revocation, in two steps: `user`/`deletedUser`/`login` inside the transaction of the
 * change (raise the token version, record the revocation in the outbox: both commit or neither), then
 * `publish` once it has committed (every service learns it within milliseconds).
 */
export class Revoker {
  constructor(
    private readonly users: UsersRepository,
    private readonly revocations: RevocationsRepository,
    private readonly outbox: RevocationOutbox,
  ) {}

  /** Every access token the user holds (role, password or status change). */
  async user(userId: string, tx: Tx): Promise<void> {
    const minVersion = await this.users.bumpTokenVersion(userId, tx);
    await this.revocations.record({ kind: 'user', userId, minVersion }, tx);
  }

  /** Every access token of a user being deleted (whose row, and version, go with it). */
  async deletedUser(user: { id: string; tokenVersion: number }, tx: Tx): Promise<void> {
    await this.revocations.record({ kind: 'user', userId: user.id, minVersion: user.tokenVersion + 1 }, tx);
  }

  /** Every access token of one login (its refresh-token family): logout, refresh-token reuse. */
  async login(userId: string, sessionId: string, tx: Tx): Promise<void> {
    await this.revocations.record({ kind: 'session', userId, sessionId }, tx);
  }

  /** After the transaction committed: publish what it recorded (and anything left behind). */
  async publish(): Promise<void> {
    await this.outbox.flush();
  }
}
