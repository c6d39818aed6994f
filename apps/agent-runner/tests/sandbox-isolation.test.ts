import fs from 'node:fs/promises';
import path from 'node:path';
import { findRepoRoot } from '@platform/testing';
import { RunnerHarness } from './support/harness';
import { nodeLine, sandboxOn } from './support/sandbox';

jest.setTimeout(30_000);

const h = new RunnerHarness();
let sb: Awaited<ReturnType<typeof sandboxOn>>;

beforeAll(async () => {
  await h.start();
  sb = await sandboxOn(h);
});
afterAll(() => h.close());

describe('a sandboxed command', () => {
  it('runs as an unprivileged user that is not the runner, in its working directory as HOME', async () => {
    const id = await sb.workspace();
    const r = await sb.sh('id -u; echo "$HOME"; pwd; touch made-here; grep CapEff /proc/self/status', { id });

    expect(r.exit_code).toBe(0);
    const [uid, home, cwd, caps] = r.stdout.trim().split('\n');
    expect([uid, home, cwd]).toEqual(['1000', '/workspace', '/workspace']);
    expect(caps).toMatch(/^CapEff:\s+0+$/);
    // Outside, the file belongs to the sandbox's own user: never root, never the runner's user.
    const owner = (await fs.stat(path.join(h.workdir(id), 'made-here'))).uid;
    expect(owner).not.toBe(0);
    expect(owner).not.toBe(process.getuid?.());
  });

  it('sees nothing of the runner environment, neither its own nor any process', async () => {
    process.env.RUNNER_SECRET_PROBE = 'leaked-secret-value';
    try {
      const r = await sb.sh(`env; cat /proc/1/environ; cat /proc/self/environ; cat /proc/${process.pid}/environ; echo; echo "processes=$(ls /proc | grep -cE '^[0-9]+$')"`);
      expect(r.stdout + r.stderr).not.toContain('leaked-secret-value');
      expect(r.stdout + r.stderr).not.toMatch(/REDIS_URL|REGISTRY_TOKEN|SERVICE_CLIENT_SECRET|JWT_PRIVATE_KEY|DATABASE_URL/);
      // Its own PID namespace: a handful of processes, none of this machine's.
      expect(Number(/processes=(\d+)/.exec(r.stdout)?.[1])).toBeLessThan(10);
      expect(r.stderr).toContain(`/proc/${process.pid}/environ: No such file or directory`);
    } finally {
      delete process.env.RUNNER_SECRET_PROBE;
    }
  });

  it('sees only the toolchain and its own working directory: not the platform, its data, nor other sessions', async () => {
    const repo = findRepoRoot();
    const other = await sb.workspace({ 'secret.txt': 'other session secret' });
    const mine = await sb.workspace();
    const probes = [
      `cat ${repo}/package.json`,
      `ls ${repo}/.data`,
      `ls ${h.workdirRoot}`,
      `cat ${h.workdir(other)}/secret.txt`,
      `cat ../${other}/secret.txt`,
      'cat /etc/shadow',
      'ls /root',
      `cat /proc/${process.pid}/cmdline`,
    ];
    const r = await sb.sh(probes.map((p) => `${p} >/dev/null 2>&1 && echo "LEAK: ${p}"`).join('; ') + '; ls /', { id: mine });

    expect(r.stdout).not.toContain('LEAK');
    const root = r.stdout.split('\n').filter(Boolean);
    const system = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'usr', 'etc', 'dev', 'proc', 'tmp', 'workspace'];
    expect(root).toEqual(expect.arrayContaining(['usr', 'etc', 'tmp', 'workspace']));
    expect(root.filter((entry) => !system.includes(entry))).toEqual([]);
  });

  it('cannot change anything outside its working directory', async () => {
    const r = await sb.sh('for p in /usr/evil /etc/evil /evil /bin/evil /dev/evil; do (echo x > $p) 2>/dev/null && echo "WROTE $p"; done; echo x > /tmp/ok && echo tmp-ok');

    expect(r.stdout.trim()).toBe('tmp-ok');
  });

  it('cannot make new namespaces or gain privileges', async () => {
    const r = await sb.sh('unshare -U true && echo USERNS; unshare -r true && echo ROOT; su -c true 2>/dev/null && echo SU; echo done');

    expect(r.stdout.trim()).toBe('done');
  });

  it('has no network: not the host services, not the outside, no name resolution', async () => {
    const probe = (host: string, port: number) =>
      `require("net").connect(${port}, "${host}").on("connect", () => console.log("CONNECTED ${host}:${port}")).on("error", (e) => console.log("${host}:${port} " + e.code))`;
    const targets: Array<[string, number]> = [
      ['127.0.0.1', 6379], // Redis
      ['127.0.0.1', 5432], // PostgreSQL
      ['127.0.0.1', 8000], // the gateway
      ['169.254.169.254', 80], // cloud metadata
      ['1.1.1.1', 443],
    ];
    const r = await sb.sh([...targets.map(([host, port]) => nodeLine(probe(host, port))), nodeLine('require("dns").lookup("example.com", (e) => console.log("dns " + (e ? e.code : "resolved")))')].join('; '));

    expect(r.stdout).not.toContain('CONNECTED');
    expect(r.stdout).toContain('127.0.0.1:6379 ECONNREFUSED');
    expect(r.stdout).toMatch(/1\.1\.1\.1:443 (ENETUNREACH|EHOSTUNREACH)/);
    expect(r.stdout).not.toContain('dns resolved');
  });
});
