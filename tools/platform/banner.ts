import { paint } from './output';
import type { PlannedService } from './plan';
import type { SharedSettings } from './services';

export interface BannerOptions {
  color: boolean;
  services: PlannedService[];
  shared: SharedSettings;
  seconds: number;
  /** Where the generated admin password is kept, relative to the repository root. */
  secretsFile: string;
  adminPasswordFromEnv: boolean;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function loginHint(o: BannerOptions): string[] {
  const { email, password } = o.shared.admin;
  const body = JSON.stringify({ email, password });
  // auth creates the account on the first start with this email and never changes it afterwards.
  const where = o.adminPasswordFromEnv
    ? 'The password is the ADMIN_PASSWORD given when this account was created (on the first start with this email).'
    : `The password is kept in ${o.secretsFile} ("adminPassword"); to choose your own, start with ADMIN_EMAIL and ADMIN_PASSWORD set.`;
  return [
    `  Log in as the bootstrap admin (${email}):`,
    `    curl -s -X POST ${o.shared.gatewayUrl}/auth/login -H 'content-type: application/json' \\`,
    `      -d ${shellQuote(body)}`,
    `  ${where}`,
    '',
  ];
}

/** The text printed once every service is ready. */
export function readyBanner(o: BannerOptions): string {
  const hasGateway = o.services.some((s) => s.name === 'gateway');
  const list = o.services.map((s) => `${s.name} :${s.port}`).join(', ');
  const lines = [
    '',
    `  ${paint(o.color, '1;32', `Platform ready in ${o.seconds.toFixed(1)} s`)}  (${list})`,
    '',
    hasGateway
      ? `  Gateway: ${paint(o.color, '1;36', o.shared.gatewayUrl)}`
      : `  No gateway in PLATFORM_SERVICES; services listen on ${o.services.map((s) => `http://127.0.0.1:${s.port}`).join(', ')}`,
    '',
    ...(hasGateway && o.services.some((s) => s.name === 'auth') ? loginHint(o) : []),
    '  Ctrl-C stops everything.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
