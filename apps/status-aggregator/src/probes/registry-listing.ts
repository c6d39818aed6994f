import { ServiceListResponseSchema, type Instance } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import type { ServiceClient } from '@platform/service-client';

/** The registry's view of live instances, by service name. */
export interface Listing {
  services: Map<string, Instance[]>;
  /** False when the registry did not answer and the last answer (or nothing) is used instead. */
  fresh: boolean;
}

/**
 * Reads every live instance from the registry. When the registry is unreachable the last answer is
 * reused, so a registry outage shows as one component down instead of every service vanishing.
 */
export class RegistryListing {
  private last: Map<string, Instance[]> | undefined;
  private failing = false;

  constructor(
    private readonly registry: ServiceClient,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  async read(): Promise<Listing> {
    try {
      const { data } = await this.registry.request({
        method: 'GET',
        path: '/registry/services',
        schema: ServiceListResponseSchema,
        timeoutMs: this.timeoutMs,
      });
      this.last = new Map(data.services.map((s) => [s.name, s.instances]));
      if (this.failing) this.logger.info('registry readable again');
      this.failing = false;
      return { services: this.last, fresh: true };
    } catch (err) {
      if (!this.failing)
        this.logger.warn('cannot read the registry; probing the instances it listed last', errorFields(err));
      this.failing = true;
      return { services: this.last ?? new Map(), fresh: false };
    }
  }
}
