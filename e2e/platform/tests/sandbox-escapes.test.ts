/**
 * Issue 12's escape attempts, made the way an attacker would: as a platform user whose agent runs
 * hostile commands (the offline model's `run: <command line>`, in bypass mode) and a hostile test file
 * (`/tdd/validate`), against the real platform as processes. Every attempt must be refused or contained,
 * with a recorded outcome, while another user's runs keep completing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { TddValidateResponseSchema, type Session as AgentSession } from '@platform/contracts';
import { findRepoRoot, pidsWithCommandLine, waitUntil } from '@platform/testing';
import { signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import { createSession, runQuery, startQuery, toolCallsOf } from './support/sessions';

jest.setTimeout(60_000);

let platform: Platform;
let mallory: Session;
let victim: Session;
let attack: AgentSession;
let victimSession: AgentSession;
const VICTIM_SECRET = `victim-secret-${randomUUID()}`;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-sandbox',
    sessions: true,
    runnerEnv: {
      SANDBOX_MAX_PROCESSES: '64',
      SANDBOX_MEMORY_BYTES: String(256 * 1024 * 1024),
      SANDBOX_MAX_FILE_BYTES: String(4 * 1024 * 1024),
      WORKSPACE_QUOTA_BYTES: String(8 * 1024 * 1024),
      SANDBOX_TIMEOUT_MS: '8000',
      TDD_TEST_COMMANDS: JSON.stringify({ 'node-test': ['node', '--test'] }),
    },
  });
  [mallory, victim] = await Promise.all([signUp(platform.api, 'mallory'), signUp(platform.api, 'victim')]);
  [attack, victimSession] = await Promise.all([
    createSession(mallory.as, { name: 'attack', options: { permission_mode: 'bypass' } }),
    createSession(victim.as, { name: 'private', options: { permission_mode: 'accept_edits' } }),
  ]);
  expect((await runQuery(victim.as, victimSession.id, `write secret.txt: ${VICTIM_SECRET}`)).status).toBe('completed');
}, 120_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** Runs one command line as mallory's agent and answers with the shell tool's recorded result. */
async function shell(line: string): Promise<string> {
  const run = await runQuery(mallory.as, attack.id, `run: ${line}`);
  expect(run.status).toBe('completed');
  const call = (await toolCallsOf(mallory.as, attack.id)).at(-1);
  expect(call).toMatchObject({ tool: 'shell', input: { command: line }, decision: 'allow', decided_by: 'mode:bypass' });
  return call?.output ?? '';
}

const node = (script: string) => `node -e '${script.replace(/'/g, "'\\''")}'`;

describe('a hostile agent', () => {
  it('finds no secret of the platform in any process it can see, and cannot see the platform processes', async () => {
    const runnerPid = platform.runner!.pid;
    const out = await shell(`for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done; cat /proc/${runnerPid}/environ; echo end`);

    // The runner's /proc entry does not exist in the sandbox's PID namespace.
    expect(out).toContain(`/proc/${runnerPid}/environ: No such file`);
    expect(out).not.toMatch(/REGISTRY_TOKEN|SERVICE_CLIENT|REDIS_URL|DATABASE_URL|JWT_PRIVATE_KEY|ADMIN_PASSWORD/);
  });

  it('cannot read the platform data, its code, its workspaces or another user\'s files', async () => {
    const repo = findRepoRoot();
    const root = platform.workdirRoot!;
    const targets = [`${repo}/.data/dev-secrets.json`, `${repo}/apps/agent-runner/src/main.ts`, `${root}/${victimSession.id}/secret.txt`, `../${victimSession.id}/secret.txt`];
    const out = await shell(`${targets.map((t) => `cat ${t}`).join('; ')}; ls ${root}; echo end`);

    expect(out).not.toContain(VICTIM_SECRET);
    expect(out).not.toMatch(/runMain|REGISTRY_TOKEN/);
    for (const t of targets) expect(out).toContain(`${t}: No such file or directory`);
  });

  it('reaches none of the platform services nor the outside', async () => {
    const targets: Array<[string, number]> = [
      ['127.0.0.1', 6379],
      ['127.0.0.1', 5432],
      ['127.0.0.1', platform.registry.port],
      ['127.0.0.1', platform.gateway.port],
      ['127.0.0.1', platform.sessions!.port],
      ['169.254.169.254', 80],
      ['1.1.1.1', 443],
    ];
    const probes = targets.map(([h, p]) => node(`require("net").connect(${p}, "${h}").on("connect", () => console.log("OPEN ${h}:${p}")).on("error", (e) => console.log("${h}:${p} " + e.code))`));
    const out = await shell(probes.join('; '));

    expect(out).not.toContain('OPEN');
    for (const [h, p] of targets) expect(out).toMatch(new RegExp(`${h.replace(/\./g, '\\.')}:${p} E[A-Z]+`));
  });

  it('leaves nothing running after its command', async () => {
    const marker = `e2e-survivor-${randomUUID()}`;
    await shell(`setsid nohup sh -c 'sleep 600; : ${marker}' >/dev/null 2>&1 & echo started`);

    await waitUntil('no process carries the marker', () => pidsWithCommandLine(marker).length === 0, 5000);
  });

  it('is contained when it fork-bombs, allocates without bound and fills its disk, while another user\'s runs complete', async () => {
    const marker = `e2e-bomb-${randomUUID()}`;
    // A bomb that holds on to what it forks, so it sits at its limit of 64 processes until its time is up.
    const bomb = `const { spawn } = require("node:child_process"); let n = 0; const more = () => { spawn("sh", ["-c", "sleep 600; : ${marker}"]).on("error", () => console.error("Cannot fork")); if (++n < 500) setTimeout(more, 1); }; more(); setInterval(() => {}, 1000);`;
    await startQuery(mallory.as, attack.id, `run: ${node(bomb)}`);
    await waitUntil('the bomb reaches its process limit', () => pidsWithCommandLine(marker).length >= 25, 20_000);
    const others: string[] = [];
    for (const ask of ['list the files', 'read secret.txt', 'list the files']) others.push((await runQuery(victim.as, victimSession.id, ask)).status);

    expect(others).toEqual(['completed', 'completed', 'completed']);
    expect(pidsWithCommandLine(marker).length).toBeLessThanOrEqual(32);
    await waitUntil('the fork bomb run ends', async () => (await toolCallsOf(mallory.as, attack.id)).at(-1)?.output !== null, 20_000);
    expect((await toolCallsOf(mallory.as, attack.id)).at(-1)?.output).toMatch(/stopped: it ran out of time[\s\S]*Cannot fork/);
    await waitUntil('nothing of the bomb is left', () => pidsWithCommandLine(marker).length === 0, 5000);

    const memory = await shell(node('const a = []; for (let i = 0; i < 64; i++) a.push(Buffer.alloc(16 * 1024 * 1024, 1)); console.log("ALLOCATED")'));
    expect(memory).not.toContain('ALLOCATED');
    const disk = await shell('i=0; while head -c 3000000 /dev/zero > fill-$i.bin; do i=$((i+1)); done');
    expect(disk).toMatch(/grew past its quota/);
    expect(await shell('rm -f fill-*.bin; echo cleaned')).toMatch(/^exit code 0 [\s\S]*cleaned/);
  });

  it('makes a FIFO, links out and a hard link, and the file tools refuse every one of them at once', async () => {
    const made = await shell(`mkfifo pipe; ln -s /etc/passwd passwd-link; ln -s ../${victimSession.id}/secret.txt victim-link; ln /usr/bin/env hard 2>&1; echo made > own.txt; ln own.txt own-hard; ls`);
    // A hard link to a file outside cannot even be made (another mount); one inside can.
    expect(made).toMatch(/hard.*(Invalid cross-device link|Operation not permitted)/);
    const read = async (file: string) => {
      const started = Date.now();
      const run = await runQuery(mallory.as, attack.id, `read ${file}`);
      expect(run.status).toBe('completed');
      const call = (await toolCallsOf(mallory.as, attack.id)).at(-1);
      return { output: call?.output ?? '', isError: call?.is_error, ms: Date.now() - started };
    };
    for (const file of ['pipe', 'passwd-link', 'victim-link', 'own-hard']) {
      const r = await read(file);
      expect([file, r.isError]).toEqual([file, true]);
      expect(r.output).not.toContain(VICTIM_SECRET);
      expect(r.output).not.toMatch(/root:x:0/);
    }
    expect((await read('own.txt')).output).not.toContain('made'); // own.txt has two links now: refused too
    await shell('rm -f pipe passwd-link victim-link own.txt own-hard');
  });

  it('runs a hostile test file under /tdd/validate in the same sandbox: it finds no secret and no process of the platform', async () => {
    const probe = [
      "const fs = require('node:fs');",
      "const test = require('node:test');",
      "test('looks around', () => {",
      "  const pids = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p));",
      "  const envs = pids.map((p) => { try { return fs.readFileSync(`/proc/${p}/environ`, 'utf8'); } catch { return ''; } }).join('\\n');",
      "  console.log(`PIDS=${pids.length} SECRETS=${/REGISTRY_TOKEN|SERVICE_CLIENT_SECRET|REDIS_URL|JWT_PRIVATE_KEY/.test(envs)} UID=${process.getuid()}`);",
      `  for (const f of [${JSON.stringify(`${findRepoRoot()}/.data/dev-secrets.json`)}, ${JSON.stringify(`${platform.workdirRoot}/${victimSession.id}/secret.txt`)}, '../${victimSession.id}/secret.txt']) {`,
      "    try { console.log('READ ' + fs.readFileSync(f, 'utf8')); } catch (e) { console.log('REFUSED ' + e.code); }",
      '  }',
      '});',
    ].join('\n');
    await fs.writeFile(path.join(platform.workdirRoot!, attack.id, 'probe.test.js'), probe);

    const res = await mallory.as.post('/tdd/validate', { session_id: attack.id, command: 'node-test' }, { timeoutMs: 40_000 });

    expect(res.status).toBe(200);
    const result = TddValidateResponseSchema.parse(res.body);
    expect(result.output).toMatch(/PIDS=[1-9] SECRETS=false UID=1000/);
    expect(result.output.match(/REFUSED ENOENT/g)).toHaveLength(3);
    expect(result.output).not.toContain('READ ');
  });
});
