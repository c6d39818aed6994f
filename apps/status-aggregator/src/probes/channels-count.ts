import { InternalChannelCountResponseSchema } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import type { ServiceClient } from '@platform/service-client';

/** How many channels exist, asked of channels with this service's token and cached for `ttlMs`. */
export class ChannelsCount {
  private value: number | null = null;
  private fetchedAt = 0;

  constructor(
    /** Undefined when this service has no service identity: the count stays unknown. */
    private readonly channels: ServiceClient | undefined,
    private readonly logger: Logger,
    private readonly o: { ttlMs: number; timeoutMs: number },
  ) {}

  /** The last count read (null before the first one succeeds). */
  get current(): number | null {
    return this.value;
  }

  /** Refreshes when older than the TTL; keeps the last value when channels cannot answer. */
  async refresh(now = Date.now()): Promise<void> {
    if (!this.channels || now - this.fetchedAt < this.o.ttlMs) return;
    this.fetchedAt = now;
    try {
      const { data } = await this.channels.request({
        method: 'GET',
        path: '/internal/channels/count',
        schema: InternalChannelCountResponseSchema,
        timeoutMs: this.o.timeoutMs,
      });
      this.value = data.count;
    } catch (err) {
      this.logger.debug('channels count unavailable', errorFields(err));
    }
  }
}
