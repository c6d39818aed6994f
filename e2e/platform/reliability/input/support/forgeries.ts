import { createPublicKey } from 'node:crypto';
import type { Session } from '../../../tests/support/accounts';
import type { Platform } from '../../../tests/support/platform';
import {
  claimsFor,
  decodeToken,
  hs256Token,
  signEs256,
  strangerKey,
  tamperedToken,
  unsignedToken,
} from '../../../tests/support/tokens';

/** A well-formed WebSocket handshake's headers. */
export const WS_HANDSHAKE = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/** Every forgery of an access token the platform must refuse, built against the real key where that matters. */
export function forgeries(platform: Platform, owner: Session): Array<[string, string]> {
  const kid = String(decodeToken(owner.tokens.access_token).header.kid);
  const me = owner.user.id;
  const past = Math.floor(Date.now() / 1000) - 120;
  const later = Math.floor(Date.now() / 1000) + 600;
  const publicPem = createPublicKey(platform.signingKey).export({ format: 'pem', type: 'spki' }).toString();
  return [
    ['alg none', unsignedToken({ alg: 'none', typ: 'JWT', kid }, claimsFor(me, 'admin'))],
    ['HS256 keyed with the public key', hs256Token({ typ: 'JWT', kid }, claimsFor(me, 'admin'), publicPem)],
    ['expired', signEs256(platform.signingKey, kid, claimsFor(me, 'user', { iat: past - 60, exp: past }))],
    ['not yet valid', signEs256(platform.signingKey, kid, claimsFor(me, 'user', { nbf: later, exp: later + 60 }))],
    ['wrong issuer', signEs256(platform.signingKey, kid, claimsFor(me, 'user', { iss: 'someone-else' }))],
    ['wrong audience', signEs256(platform.signingKey, kid, claimsFor(me, 'user', { aud: 'another-api' }))],
    ['tampered payload', tamperedToken(owner.tokens.access_token, { role: 'admin' })],
    ["another key under auth's kid", signEs256(strangerKey(), kid, claimsFor(me, 'admin'))],
    ['a refresh token as bearer', owner.tokens.refresh_token],
  ];
}

/** A protected route of each service through the gateway, SSE and WebSocket streams, and each service directly. */
export function targets(
  platform: Platform,
  owner: Session,
  sessionId: string,
): Array<[string, string, string, Record<string, string>]> {
  const stream = `/api/v1/sessions/${sessionId}/stream`;
  const gw = platform.gateway.url;
  return [
    ['gateway: auth', gw, '/auth/profile', {}],
    ['gateway: users', gw, `/users/${owner.user.id}`, {}],
    ['gateway: channels', gw, '/api/channels', {}],
    ['gateway: sessions', gw, '/api/v1/sessions', {}],
    ['gateway: webhooks', gw, '/api/v1/webhook-settings', {}],
    ['gateway: status metrics', gw, '/api/status/metrics', {}],
    ['gateway: SSE stream', gw, stream, { accept: 'text/event-stream' }],
    ['gateway: WebSocket stream', gw, stream, WS_HANDSHAKE],
    ['auth directly', platform.auth.url, '/auth/profile', {}],
    ['channels directly', platform.channels!.url, '/api/channels', {}],
    ['sessions directly', platform.sessions!.url, '/api/v1/sessions', {}],
    ['sessions WebSocket directly', platform.sessions!.url, stream, WS_HANDSHAKE],
    ['status-aggregator directly', platform.statusAggregator!.url, '/api/status/metrics', {}],
  ];
}
