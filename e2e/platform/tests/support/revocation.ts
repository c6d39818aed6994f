import { ErrorEnvelopeSchema } from '@platform/contracts';
import { jsonRequest, type JsonResponse } from '@platform/testing';
import type { Platform } from './platform';

/** What the platform promises: a revoked access token stops working everywhere within this long. */
export const REVOCATION_BOUND_MS = 1000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Probe = (token: string) => Promise<JsonResponse>;

/**
 * One authenticated request per place that verifies tokens: the gateway's own check (`/api/health`
 * verifies a token it is given before answering), and each service reached directly, past the gateway.
 */
export function everyVerifier(platform: Platform): Record<string, Probe> {
  const direct = (url: string | undefined, path: string): Probe | undefined =>
    url ? (token) => jsonRequest(url, { headers: { authorization: `Bearer ${token}` } }).get(path) : undefined;
  const probes: Record<string, Probe | undefined> = {
    gateway: (token) => platform.api.get('/api/health', { headers: { authorization: `Bearer ${token}` } }),
    auth: direct(platform.auth.url, '/auth/profile'),
    channels: direct(platform.channels?.url, '/api/channels'),
    sessions: direct(platform.sessions?.url, '/api/v1/sessions'),
    'status-aggregator': direct(platform.statusAggregator?.url, '/api/status/components'),
  };
  return Object.fromEntries(Object.entries(probes).filter((e): e is [string, Probe] => e[1] !== undefined));
}

/** Fails unless every probe accepts `token` now (so a later refusal means something). */
export async function expectAcceptedEverywhere(probes: Record<string, Probe>, token: string): Promise<void> {
  const answers = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, (await probe(token)).status] as const));
  expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(answers.map(([name]) => [name, 200])));
}

/**
 * Polls every probe every 50 ms from `since` (when the revoking call answered) until each answers 401
 * TOKEN_REVOKED; fails if any request *sent* more than REVOCATION_BOUND_MS after `since` was still
 * accepted. Returns, per probe, how long after `since` the first refusal was sent.
 */
export async function expectRevokedWithin(probes: Record<string, Probe>, token: string, since: number): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      for (;;) {
        const sentAt = Date.now();
        const res = await probe(token);
        if (res.status === 401) {
          expect({ name, code: ErrorEnvelopeSchema.parse(res.body).error_code }).toEqual({ name, code: 'TOKEN_REVOKED' });
          return [name, sentAt - since] as const;
        }
        if (sentAt - since > REVOCATION_BOUND_MS) {
          throw new Error(`${name} still accepted the token (${res.status}) ${sentAt - since} ms after the revocation`);
        }
        await sleep(POLL_MS);
      }
    }),
  );
  return Object.fromEntries(entries);
}
