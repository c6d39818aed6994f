import type { AccessTokenClaims, StreamEndReason, WsServerMessage } from '@platform/contracts';
import { assertMay, watchToken, type TokenVerifier } from '@platform/auth-middleware';
import { AppError, UnauthorizedError } from '@platform/service-kit';
import { wsError } from './ws-error';

/**
 * The access token a WebSocket lives on: watched (expiry, revocation → `onEnd`), checked before every
 * action, and replaceable by a fresh token of the same user (`{"type":"auth"}`), so a socket can outlive
 * the token it was opened with.
 */
export class SocketAuth {
  private unwatch: () => void;

  constructor(
    private readonly verifier: TokenVerifier,
    private claims: AccessTokenClaims,
    private readonly onEnd: (reason: StreamEndReason) => void,
  ) {
    this.unwatch = watchToken(verifier, claims, onEnd);
  }

  /** The claims in force, if the token is neither expired nor revoked (else throws, like an HTTP request would get). */
  current(): AccessTokenClaims {
    if (this.claims.exp * 1000 <= Date.now()) throw new UnauthorizedError('Access token expired', 'TOKEN_EXPIRED');
    this.verifier.revocations?.assertValid(this.claims);
    return this.claims;
  }

  /** Moves the socket onto `token` (same user, a role that may read); on refusal the old token stays in force. */
  async renew(token: string): Promise<WsServerMessage> {
    try {
      const next = await this.verifier.verify(token);
      if (next.sub !== this.claims.sub) throw new AppError('FORBIDDEN', 'The new token belongs to another user');
      assertMay(next.role, 'read');
      this.unwatch();
      this.claims = next;
      this.unwatch = watchToken(this.verifier, next, this.onEnd);
      return { type: 'auth_ok', expires_at: new Date(next.exp * 1000).toISOString() };
    } catch (err) {
      return wsError(err);
    }
  }

  stop(): void {
    this.unwatch();
  }
}
