import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServiceTokenResponse } from '@platform/contracts';
import { UnauthorizedError } from '@platform/service-kit';
import type { SigningKeys } from './signing-keys';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Client-credentials grant for services: a known client id and secret buy a short-lived `service` token. */
export class ServiceIdentity {
  private readonly clients: Map<string, Buffer>;

  constructor(
    clients: Map<string, string>,
    private readonly keys: SigningKeys,
    private readonly ttlS: number,
  ) {
    this.clients = new Map([...clients].map(([id, secret]) => [id, digest(secret)]));
  }

  issue(clientId: string, clientSecret: string): ServiceTokenResponse {
    const expected = this.clients.get(clientId);
    // Compare against something even for unknown ids so timing does not reveal which ids exist.
    const ok = timingSafeEqual(digest(clientSecret), expected ?? digest(`unknown:${clientSecret}x`)) && expected !== undefined;
    if (!ok) throw new UnauthorizedError('Invalid client credentials', 'INVALID_CREDENTIALS');
    const signed = this.keys.sign({ sub: `service:${clientId}`, role: 'service' }, this.ttlS);
    return { access_token: signed.token, token_type: 'bearer', expires_in: signed.expiresIn };
  }
}
