import { createHash } from 'node:crypto';
import { AppError, errorFields, type Logger } from '@platform/service-kit';
import type { IdempotencyRepository } from '../repositories/idempotency.repository';
import { canonicalJson } from './canonical-json';

export type Outcome =
  /** First time for this key: run the request, then `finish` with its answer. */
  | { kind: 'proceed'; finish: (status: number, body: unknown) => Promise<void> }
  /** Done before with the same request: answer this again. */
  | { kind: 'replay'; status: number; body: unknown };

/** The fingerprint of a request: method, path and body (canonical JSON, so key order does not matter). */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method.toUpperCase()} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
}

/**
 * Idempotency-Key semantics: a retry with the same key and request gets the original answer without
 * the work being done again; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED; a retry
 * while the first is still running is 409 with Retry-After. Only successful answers are kept: after a
 * failure the key is free again. Keys expire after `ttlS`.
 */
export class IdempotencyService {
  constructor(
    private readonly d: { repo: IdempotencyRepository; ttlS: number; inFlightMs: number; logger: Logger },
  ) {}

  async begin(userId: string, key: string, fingerprint: string): Promise<Outcome> {
    const now = Date.now();
    const claim = await this.d.repo.claim(userId, key, fingerprint, new Date(now + this.d.ttlS * 1000), new Date(now - this.d.inFlightMs));
    if (claim.kind === 'existing') {
      const r = claim.record;
      if (r.fingerprint !== fingerprint) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
      }
      if (r.state !== 'done' || r.responseStatus === null) {
        throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress', { headers: { 'Retry-After': '1' } });
      }
      return { kind: 'replay', status: r.responseStatus, body: r.responseBody };
    }
    return {
      kind: 'proceed',
      finish: async (status, body) => {
        try {
          if (status >= 200 && status < 300) await this.d.repo.complete(userId, key, claim.at, status, body);
          else await this.d.repo.release(userId, key, claim.at);
        } catch (err) {
          // The answer still goes out; the key stays in flight until IDEMPOTENCY_IN_FLIGHT_MS frees it.
          this.d.logger.warn('could not record the idempotent answer', errorFields(err));
        }
      },
    };
  }

  prune(): Promise<number> {
    return this.d.repo.prune(new Date());
  }
}
