import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { TokenResponse } from '@platform/contracts';
import type { Prisma, User } from '../generated/prisma/client';
import type { RefreshTokensRepository } from '../repositories/refresh-tokens.repository';
import type { SigningKeys } from './signing-keys';
import type { RequestMeta } from './request-meta';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Issues an access token plus a new opaque refresh token in the given rotation family. */
export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeys,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly ttl: { accessS: number; refreshS: number },
  ) {}

  async issue(user: User, familyId: string | undefined, meta: RequestMeta, tx?: Prisma.TransactionClient): Promise<TokenResponse> {
    const family = familyId ?? randomUUID();
    const refresh = `rt_${randomBytes(32).toString('base64url')}`;
    await this.refreshTokens.create(
      {
        familyId: family,
        userId: user.id,
        tokenHash: hashToken(refresh),
        expiresAt: new Date(Date.now() + this.ttl.refreshS * 1000),
        userAgent: meta.userAgent?.slice(0, 500) ?? null,
        ip: meta.ip,
      },
      tx,
    );
    // `tv` is the version read with `user`: a revocation committed after that read has raised it, so this token is refused.
    const access = this.keys.sign({ sub: user.id, role: user.role, username: user.username, sid: family, tv: user.tokenVersion }, this.ttl.accessS);
    return { access_token: access.token, refresh_token: refresh, token_type: 'bearer', expires_in: access.expiresIn };
  }
}
