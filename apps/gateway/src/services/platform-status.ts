import { ProductionStatusSchema, type PlatformSummary, type ProductionStatus } from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';
import { errorFields, type Logger } from '@platform/service-kit';

export interface PlatformStatusOptions {
  /** status-aggregator through its breaker; undefined when this gateway has none configured. */
  client: ServiceClient | undefined;
  logger: Logger;
  /** Ask again only after this long, whether the last attempt worked or not. */
  cacheMs: number;
  /** Longest a refresh may take, registry lookup included. */
  timeoutMs: number;
}

/**
 * The platform summary of the gateway's `/health`, from status-aggregator's production status. The
 * liveness probe must stay fast and must not fail because something else is down: the last answer is
 * served while a refresh runs in the background (one at a time, bounded by `timeoutMs`, at most every
 * `cacheMs`); only the very first call waits for one. When the aggregator cannot answer: `unknown`.
 */
export class PlatformStatus {
  private last: { status: ProductionStatus; at: Date } | undefined;
  private lastError: string | undefined;
  private attemptedAt = 0;
  private settled = false;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly o: PlatformStatusOptions) {}

  async summary(): Promise<PlatformSummary> {
    if (Date.now() - this.attemptedAt >= this.o.cacheMs) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = undefined;
        this.settled = true;
      });
    }
    if (!this.settled && this.refreshing) await this.refreshing;
    const checkedAt = this.last ? this.last.at.toISOString() : null;
    if (this.lastError !== undefined || !this.last) {
      return { status: 'unknown', description: null, services: {}, checked_at: checkedAt, error: this.lastError ?? 'not asked yet' };
    }
    const { status, description, services } = this.last.status;
    return { status, description, services, checked_at: checkedAt };
  }

  private async refresh(): Promise<void> {
    this.attemptedAt = Date.now();
    const client = this.o.client;
    if (!client) {
      this.lastError = 'no status-aggregator is configured';
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const { data } = await Promise.race([
        client.request({ method: 'GET', path: '/api/production-status', schema: ProductionStatusSchema, timeoutMs: this.o.timeoutMs }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
        }),
      ]);
      this.last = { status: data, at: new Date() };
      this.lastError = undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastError) this.o.logger.warn('platform status unavailable for /health', errorFields(err));
      this.lastError = `status-aggregator unavailable: ${message}`;
    } finally {
      clearTimeout(timer);
    }
  }
}
