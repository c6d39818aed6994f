import { ServiceTokenResponseSchema } from '@platform/contracts';
import type { ServiceClient } from './service-client';

/** Obtains and caches this service's own access token (role `service`) from auth, renewing before expiry. */
export class ServiceTokenProvider {
  private token: { value: string; renewAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly auth: ServiceClient,
    private readonly credentials: { clientId: string; clientSecret: string },
  ) {}

  getToken = async (): Promise<string> => {
    if (this.token && Date.now() < this.token.renewAt) return this.token.value;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  };

  private async fetchToken(): Promise<string> {
    const { data } = await this.auth.request({
      method: 'POST',
      path: '/auth/service-token',
      body: { client_id: this.credentials.clientId, client_secret: this.credentials.clientSecret },
      schema: ServiceTokenResponseSchema,
      anonymous: true,
      idempotent: true,
    });
    this.token = { value: data.access_token, renewAt: Date.now() + data.expires_in * 1000 * 0.8 };
    return data.access_token;
  }
}
