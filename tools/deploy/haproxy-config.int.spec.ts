/** haproxy.cfg as HAProxy itself reads it (`haproxy -c`), in each environment's settings. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findRepoRoot } from '@platform/testing';
import { configValue, loadConfigSchema } from './app-config';
import { HAPROXY_CFG, checkConfig, requireHaproxy } from './support/haproxy';
import { selfSignedPem } from './support/tls';

beforeAll(() => {
  requireHaproxy();
});

it('is valid with no environment at all (compose defaults: gateway:8000, DNS from /etc/resolv.conf)', () => {
  const r = checkConfig();
  expect(r.output).toContain('Configuration file is valid');
  expect(r.output).toContain('the stats page is disabled');
  expect(r.ok).toBe(true);
});

it('is valid with Kubernetes SRV discovery, the stats page and a TLS certificate', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haproxy-tls-'));
  try {
    const r = checkConfig({
      GATEWAY_SERVICE: '_http._tcp.gateway-headless.agent-platform.svc.cluster.local',
      HAPROXY_TLS_CERT: selfSignedPem(dir),
      HAPROXY_STATS_PASSWORD: 'secret',
    });
    expect(r.output).toContain('Configuration file is valid');
    expect(r.output).not.toContain('stats page is disabled');
    expect(r.ok).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses a certificate path that does not exist (TLS really follows HAPROXY_TLS_CERT)', () => {
  expect(checkConfig({ HAPROXY_TLS_CERT: '/nonexistent/site.pem' }).ok).toBe(false);
});

it("gives the gateway the same header timeout as HAProxy's `timeout http-request`", () => {
  const cfg = fs.readFileSync(HAPROXY_CFG, 'utf8');
  const match = /^\s*timeout http-request (\d+)s\s*$/m.exec(cfg);
  expect(match).not.toBeNull();
  const headersTimeoutMs = configValue(loadConfigSchema(findRepoRoot(), 'gateway'), {}, 'HEADERS_TIMEOUT_MS');
  expect(headersTimeoutMs).toBe(Number(match![1]) * 1000);
});
