import type { AccessTokenClaims, StreamEndReason } from '@platform/contracts';
import type { TokenVerifier } from './token-cache';

/** setTimeout's longest delay. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * Calls `onEnd` once, when the token these claims came from expires or is revoked (as the verifier's
 * revocation feed learns it, within milliseconds), so a long-lived stream can close itself. Returns a
 * function that stops watching.
 */
export function watchToken(
  verifier: TokenVerifier,
  claims: AccessTokenClaims,
  onEnd: (reason: StreamEndReason) => void,
  now: () => number = Date.now,
): () => void {
  let done = false;
  const revocations = verifier.revocations;
  const finish = (reason: StreamEndReason) => {
    if (done) return;
    stop();
    onEnd(reason);
  };
  const timer = setTimeout(() => finish('token_expired'), Math.min(Math.max(0, claims.exp * 1000 - now()), MAX_DELAY_MS));
  const off = revocations?.onChange(claims.sub, () => {
    if (revocations.isRevoked(claims)) finish('token_revoked');
  });
  const stop = () => {
    done = true;
    clearTimeout(timer);
    off?.();
  };
  // A revocation that arrived between the token's check and this watch (the caller may have awaited since):
  // on the next tick, so the caller has its stop function before onEnd can run.
  if (revocations) {
    queueMicrotask(() => {
      if (revocations.isRevoked(claims)) finish('token_revoked');
    });
  }
  return stop;
}
