import {
  RegisterInstanceResponseSchema,
  type RegisterInstanceRequest,
} from '@platform/contracts';
import { errorFields, type Logger } from './logger';

export interface RegistrationOptions {
  registryUrl: string;
  token: string;
  instance: RegisterInstanceRequest;
  logger: Logger;
  requestTimeoutMs?: number;
}

/** Keeps one instance registered: registers, heartbeats at the registry's pace, re-registers if forgotten, deregisters on stop. */
export class RegistryRegistration {
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private intervalMs = 2000;
  private registered = false;

  constructor(private readonly o: RegistrationOptions) {}

  get isRegistered(): boolean {
    return this.registered;
  }

  /** Registers now if the registry answers, else keeps trying in the background; never blocks start-up for long. */
  async start(): Promise<void> {
    await this.register().catch((err: unknown) => {
      this.o.logger.warn('registry registration failed; will retry', errorFields(err));
    });
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A heartbeat or re-registration still in flight would otherwise re-create the entry after the DELETE.
    await this.inflight;
    if (!this.registered) return;
    const { name, instance_id } = this.o.instance;
    try {
      await this.call('DELETE', `/registry/instances/${name}/${encodeURIComponent(instance_id)}`);
      this.registered = false;
      this.o.logger.info('deregistered from registry');
    } catch (err) {
      this.o.logger.warn('deregistration failed; the registry will expire this instance', errorFields(err));
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inflight = this.tick().finally(() => {
        this.inflight = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (!this.registered) {
        await this.register();
        return;
      }
      const { name, instance_id } = this.o.instance;
      const res = await this.call('PUT', `/registry/instances/${name}/${encodeURIComponent(instance_id)}/heartbeat`);
      if (res.status === 404) {
        this.registered = false;
        await this.register();
      }
    } catch (err) {
      this.o.logger.warn('registry heartbeat failed', errorFields(err));
    }
  }

  private async register(): Promise<void> {
    const res = await this.call('POST', '/registry/instances', this.o.instance);
    if (!res.ok) throw new Error(`registry answered ${res.status}: ${await res.text()}`);
    const body = RegisterInstanceResponseSchema.parse(await res.json());
    this.intervalMs = body.heartbeat_interval_ms;
    if (!this.registered) this.o.logger.info('registered with registry', { url: this.o.instance.url, ttl_ms: body.ttl_ms });
    this.registered = true;
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(new URL(path, this.o.registryUrl), {
      method,
      headers: { authorization: `Bearer ${this.o.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 2000),
    });
  }
}


/**
 * The `afterListen` hook every service uses: registers the bound URL with the registry (unless
 * REGISTER_WITH_REGISTRY is false) and returns the registration, which `serve` stops on shutdown.
 */
export function registerOnListen(o: {
  config: { REGISTER_WITH_REGISTRY: boolean; REGISTRY_URL: string; REGISTRY_TOKEN: string; INSTANCE_ID: string; SERVICE_VERSION: string };
  logger: Logger;
  name: string;
  endpoints: NonNullable<RegisterInstanceRequest['endpoints']>;
}): (url: string) => Promise<RegistryRegistration | undefined> {
  return async (url) => {
    if (!o.config.REGISTER_WITH_REGISTRY) return undefined;
    const registration = new RegistryRegistration({
      registryUrl: o.config.REGISTRY_URL,
      token: o.config.REGISTRY_TOKEN,
      logger: o.logger,
      instance: { name: o.name, instance_id: o.config.INSTANCE_ID, url, version: o.config.SERVICE_VERSION, endpoints: o.endpoints },
    });
    await registration.start();
    return registration;
  };
}
