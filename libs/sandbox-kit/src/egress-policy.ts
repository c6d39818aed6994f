import { BlockList, isIP } from 'node:net';
import { isInternalAddress } from '@platform/net-guard';
import type { NetworkPolicy } from '@platform/contracts';

interface HostRule {
  /** `*` (every host), `*.example.com` (its subdomains), or an exact host name or IP literal. */
  host: string;
  /** Undefined: 80 and 443. */
  port: number | undefined;
}

const DEFAULT_PORTS = [80, 443];

function parseRule(rule: string): HostRule {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rule);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  const [host, port] = rule.split(':') as [string, string | undefined];
  return { host, port: port === undefined ? undefined : Number(port) };
}

const normalizeHost = (host: string): string => host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

/** Which host:port pairs a session's network policy allows (by name; addresses are checked separately). */
export class EgressAllowlist {
  private readonly rules: HostRule[];

  constructor(policy: NetworkPolicy) {
    this.rules = policy.mode === 'allowlist' ? policy.hosts.map(parseRule) : [];
  }

  allows(rawHost: string, port: number): boolean {
    const host = normalizeHost(rawHost);
    return this.rules.some((r) => {
      if (!(r.port === undefined ? DEFAULT_PORTS.includes(port) : r.port === port)) return false;
      if (r.host === '*') return true;
      if (r.host.startsWith('*.')) return host.endsWith(r.host.slice(1)) && isIP(host) === 0;
      return host === r.host;
    });
  }
}

/**
 * Whether a resolved address may be connected to: public unicast addresses always; internal ones
 * (loopback, private, link-local such as the cloud metadata service, multicast, reserved) only when
 * the operator listed them in SANDBOX_EGRESS_ALLOW_PRIVATE.
 */
export class AddressGuard {
  private readonly allowed = new BlockList();

  constructor(allowPrivateCidrs: readonly string[]) {
    for (const cidr of allowPrivateCidrs) {
      const [net, prefix] = cidr.split('/') as [string, string];
      this.allowed.addSubnet(net, Number(prefix), isIP(net) === 6 ? 'ipv6' : 'ipv4');
    }
  }

  permits(address: string): boolean {
    if (!isInternalAddress(address)) return true;
    const family = isIP(address);
    return family !== 0 && this.allowed.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
