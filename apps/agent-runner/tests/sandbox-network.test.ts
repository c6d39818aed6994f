import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { BwrapExecutor, type Resolve } from '@platform/sandbox-kit';
import type { NetworkPolicy, SandboxExecResult } from '@platform/contracts';
import { RunnerHarness } from './support/harness';
import { TIGHT_LIMITS, nodeLine } from './support/sandbox';

jest.setTimeout(30_000);

// Names the egress proxy resolves (the sandbox itself resolves nothing): all to this machine's loopback.
const resolve: Resolve = async (host) => {
  if (host === 'allowed.test' || host === 'other.test') return ['127.0.0.1'];
  if (host === 'metadata.test') return ['169.254.169.254'];
  throw new Error('ENOTFOUND');
};

const h = new RunnerHarness();
let server: http.Server;
let port: number;
/** The operator allows 127.0.0.0/8 (a test machine), and one that allows no internal address (the default). */
let permissive: BwrapExecutor;
let strict: BwrapExecutor;

async function executor(allowPrivate: string): Promise<BwrapExecutor> {
  const config = h.config({ ...TIGHT_LIMITS, SANDBOX_EGRESS_ALLOW_PRIVATE: allowPrivate });
  const ex = await BwrapExecutor.create({ settings: config, workdirRoot: config.WORKDIR_ROOT, runtimeDir: await fs.mkdtemp(path.join(os.tmpdir(), 'sbx-')), logger: h.logger, resolve });
  await ex.check();
  return ex;
}

beforeAll(async () => {
  await h.start();
  server = http.createServer((req, res) => res.end(`hello ${req.headers.host} ${req.url}`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  permissive = await executor('127.0.0.0/8');
  strict = await executor('');
});
afterAll(async () => {
  await Promise.all([permissive.close(), strict.close()]);
  server.close();
  await h.close();
});

const allowlist = (...hosts: string[]): NetworkPolicy => ({ mode: 'allowlist', hosts });
async function run(ex: BwrapExecutor, line: string, network: NetworkPolicy): Promise<SandboxExecResult> {
  const id = randomUUID();
  await fs.mkdir(h.workdir(id));
  return ex.run({ workspace_id: id, argv: ['/bin/sh', '-c', line], network });
}
/** One line per request: `<label>: <body> [<HTTP status, 000 when nothing answered>]`. */
const curl = (label: string, url: string) => `echo "${label}: $(curl -s --max-time 5 -w ' [%{http_code}]' ${url} | tr -d '\n')"`;
const lines = (r: SandboxExecResult) => Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));

describe('a network allowlist', () => {
  it('reaches an allowed host and port through the egress proxy, and nothing else', async () => {
    const r = await run(
      permissive,
      [curl('ok', `http://allowed.test:${port}/ok`), curl('other', `http://other.test:${port}/no`), curl('port', `http://allowed.test:${port + 1}/port`)].join('; '),
      allowlist(`allowed.test:${port}`),
    );

    const out = lines(r);
    expect(out['ok']).toBe(`hello allowed.test:${port} /ok [200]`);
    expect(out['other']).toBe(`refused: other.test:${port} is not on this session's network allowlist [403]`);
    expect(out['port']).toMatch(/not on this session.* \[403\]$/);
    expect(r.egress).toEqual([
      { host: 'allowed.test', port, allowed: true, reason: null },
      { host: 'other.test', port, allowed: false, reason: expect.stringContaining('not on this session') },
      { host: 'allowed.test', port: port + 1, allowed: false, reason: expect.stringContaining('not on this session') },
    ]);
  });

  it('tunnels CONNECT only to allowed targets', async () => {
    const connect = (target: string) =>
      nodeLine(
        `const s = require("net").connect(3128, "127.0.0.1", () => s.write("CONNECT ${target} HTTP/1.1\\r\\nHost: ${target}\\r\\n\\r\\n")); s.once("data", (d) => { console.log("${target} " + d.toString().split("\\r\\n")[0]); s.destroy(); });`,
      );
    const r = await run(permissive, `${connect(`allowed.test:${port}`)}; ${connect('other.test:443')}`, allowlist(`allowed.test:${port}`));

    expect(r.stdout).toContain(`allowed.test:${port} HTTP/1.1 200 Connection Established`);
    expect(r.stdout).toContain('other.test:443 HTTP/1.1 403 Forbidden');
  });

  it('never reaches loopback, private or metadata addresses unless the operator allows them, whatever the list says', async () => {
    const line = [curl('allowed', `http://allowed.test:${port}/`), curl('metadata', 'http://metadata.test/latest/meta-data/'), curl('loopback', `http://127.0.0.1:${port}/`)].join('; ');
    const r = await run(strict, line, allowlist(`allowed.test:${port}`, 'metadata.test', '*'));

    const out = lines(r);
    expect(out['allowed']).toMatch(/^refused: allowed.test resolves to a loopback, private, link-local or reserved address \[403\]$/);
    expect(out['metadata']).toMatch(/^refused: metadata.test resolves to .* \[403\]$/);
    // 127.0.0.1 is the sandbox's own loopback (NO_PROXY): nothing listens there.
    expect(out['loopback']).toBe('[000]');
    expect(r.egress.map((e) => [e.host, e.allowed])).toEqual([
      ['allowed.test', false],
      ['metadata.test', false],
    ]);
  });

  it('gives no network at all without an allowlist, and no proxy to ask', async () => {
    const r = await run(permissive, `echo "proxy: [$HTTP_PROXY]"; ${curl('direct', `http://allowed.test:${port}/`)}; ${curl('via', `-x http://127.0.0.1:3128 http://allowed.test:${port}/`)}`, { mode: 'none' });

    expect(lines(r)).toEqual({ proxy: '[]', direct: '[000]', via: '[000]' });
    expect(r.egress).toEqual([]);
  });
});
