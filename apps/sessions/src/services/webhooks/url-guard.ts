import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isInternalAddress } from '@platform/net-guard';

/** A webhook URL that may not be used; `reason` is meant for the person who gave it. */
export class WebhookUrlRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WebhookUrlRefused';
  }
}

export type Resolve = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });
const INTERNAL = 'must not point at a loopback, private, link-local, multicast or reserved address';

/**
 * Checks a webhook URL: http(s), no credentials and, unless `allowPrivate`, a host that is a public
 * address or resolves only to public ones (every address is checked, so one internal A record is
 * enough to refuse). Called when the URL is set and again before each delivery (DNS can change).
 */
export async function checkWebhookUrl(raw: string, o: { allowPrivate: boolean; resolve?: Resolve }): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefused('must be a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookUrlRefused('must be an http or https URL');
  if (url.username || url.password) throw new WebhookUrlRefused('must not carry credentials');
  if (o.allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (isInternalAddress(host)) throw new WebhookUrlRefused(INTERNAL);
    return url;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) throw new WebhookUrlRefused(INTERNAL);
  let addresses: Array<{ address: string }>;
  try {
    addresses = await (o.resolve ?? systemResolve)(host);
  } catch {
    throw new WebhookUrlRefused(`host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw new WebhookUrlRefused(`host ${host} does not resolve`);
  if (addresses.some((a) => isInternalAddress(a.address))) throw new WebhookUrlRefused(INTERNAL);
  return url;
}

/**
 * A `lookup` for http.request that refuses internal addresses at connect time, so a name that
 * resolved to a public address when checked cannot be re-pointed inside before the connection is made.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = !allowPrivate && addresses.find((a) => isInternalAddress(a.address));
      const first = addresses[0];
      if (bad || !first) return callback(new WebhookUrlRefused(INTERNAL), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}
