import fs from 'node:fs/promises';
import path from 'node:path';
import { AuditListResponseSchema, SessionSchema, WebhookSettingsSchema } from '@platform/contracts';
import { signUp, type Session } from '../../tests/support/accounts';
import type { Platform } from '../../tests/support/platform';
import { SESSIONS, createSession, messagesOf, runQuery, textOf, toolCallsOf } from '../../tests/support/sessions';
import { AttackLog } from './support/attack-log';
import { startFuzzPlatform } from './support/fuzz-platform';
import { writeReport } from './support/oracle';

jest.setTimeout(60_000);

const SECRET = 'TOP-SECRET-7f3a';

let platform: Platform;
let outside: string;
const log = new AttackLog();

beforeAll(async () => {
  platform = await startFuzzPlatform('rel-attacks-sandbox');
  // A sibling of the session directories: what no session may read or write.
  outside = path.join(platform.workdirRoot!, 'not-a-session');
  await fs.mkdir(outside, { recursive: true });
  await fs.writeFile(path.join(outside, 'secret.txt'), SECRET);
}, 120_000);

afterAll(async () => {
  log.restore();
  writeReport('input-attacks-sandbox', { requests: log.requests, attacks: log.attacks });
  await platform?.stop();
}, 30_000);

describe('file tools asked to leave the working directory', () => {
  it.each([
    ['a relative path climbing out', 'read ../not-a-session/secret.txt', 'read_file'],
    ['an absolute path', 'read /etc/hostname', 'read_file'],
    ['a write climbing out', 'write ../escaped.txt: planted', 'write_file'],
    ['a symbolic link leading out', 'read link/secret.txt', 'read_file'],
    ['a write through a symbolic link', 'write link/planted.txt: planted', 'write_file'],
    ['a write through a dangling symbolic link', 'write dangling.txt: planted', 'write_file'],
  ])('refuse %s, record the refusal as a failed tool call, and audit the decision', async (_what, message, tool) => {
    // A user per case: each holds one session, well inside the per-user quota.
    const owner = await signUp(platform.api, 'sandboxed');
    const session = await createSession(owner.as, { name: 'escape', options: { permission_mode: 'accept_edits' } });
    const workdir = path.join(platform.workdirRoot!, session.id);
    await fs.mkdir(workdir, { recursive: true });
    await fs.symlink(outside, path.join(workdir, 'link'));
    await fs.symlink(path.join(outside, 'created-through-link.txt'), path.join(workdir, 'dangling.txt'));

    const run = await runQuery(owner.as, session.id, message);

    const [call] = await toolCallsOf(owner.as, session.id);
    const refused = call?.status === 'failed' && call.is_error && /^Refused/.test(call.output ?? '');
    log.note('tool path escape', refused);
    expect(run.status).toBe('completed');
    expect(call).toMatchObject({ tool, status: 'failed', is_error: true });
    expect(call!.output).toMatch(/^Refused/);
    expect(JSON.stringify(await messagesOf(owner.as, session.id))).not.toContain(SECRET);
    const audit = AuditListResponseSchema.parse((await owner.as.get(`${SESSIONS}/${session.id}/audit`)).body).items;
    expect(audit.filter((a) => a.action === 'tool_decision').map((a) => a.details.tool)).toEqual([tool]);
    expect((await fs.readdir(outside)).sort()).toEqual(['secret.txt']);
    await expect(fs.access(path.join(platform.workdirRoot!, 'escaped.txt'))).rejects.toThrow();
  });

  it('lists and searches without following a symbolic link out', async () => {
    const owner = await signUp(platform.api, 'walker');
    const session = await createSession(owner.as, { name: 'walk', options: { permission_mode: 'accept_edits' } });
    const workdir = path.join(platform.workdirRoot!, session.id);
    await fs.mkdir(workdir, { recursive: true });
    await fs.symlink(outside, path.join(workdir, 'link'));

    await runQuery(owner.as, session.id, 'list the files');
    await runQuery(owner.as, session.id, `search ${SECRET}`);

    const answers = (await messagesOf(owner.as, session.id)).filter((m) => m.role === 'assistant').map(textOf);
    log.note('tool path escape', !answers.join('\n').includes('secret.txt'));
    expect(answers.join('\n')).not.toContain('secret.txt');
  });
});

describe('webhook URLs aimed inside (SSRF), with the default policy', () => {
  let owner: Session;
  let target: string;

  beforeAll(async () => {
    owner = await signUp(platform.api, 'hooker');
    target = (await createSession(owner.as, { name: 'hooked' })).id;
  });

  it.each([
    'http://127.0.0.1:9/hook',
    'http://localhost:8000/api/health',
    'http://sessions.localhost/hook',
    'http://127.1/hook',
    'http://2130706433/hook',
    'http://0x7f000001/hook',
    'http://0177.0.0.1/hook',
    'http://0.0.0.0:6379/',
    'http://10.0.0.8/hook',
    'http://172.16.5.4/hook',
    'http://192.168.1.20/hook',
    'http://100.64.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8000/hook',
    'http://[::]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
    'http://[64:ff9b::7f00:1]/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://224.0.0.1/hook',
    'http://user:password@8.8.8.8/hook',
    'gopher://127.0.0.1:6379/_FLUSHALL',
    'file:///etc/passwd',
    'ftp://127.0.0.1/',
    'javascript:alert(1)',
  ])('refuses %s for a new session, a session and the default webhook', async (url) => {
    const json = { 'content-type': 'application/json' };
    const auth = { authorization: `Bearer ${owner.tokens.access_token}`, ...json };
    const body = (b: unknown) => Buffer.from(JSON.stringify(b));
    const gw = platform.gateway.url;

    const created = await log.attempt(
      'SSRF webhook URL',
      gw,
      { method: 'POST', target: SESSIONS, headers: auth, body: body({ name: 'ssrf', webhook_url: url }) },
      400,
    );
    const patched = await log.attempt(
      'SSRF webhook URL',
      gw,
      { method: 'PATCH', target: `${SESSIONS}/${target}`, headers: auth, body: body({ webhook_url: url }) },
      400,
    );
    const settings = await log.attempt(
      'SSRF webhook URL',
      gw,
      { method: 'PUT', target: '/api/v1/webhook-settings', headers: auth, body: body({ url }) },
      400,
    );

    expect([created.code, patched.code, settings.code]).toEqual([
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
    ]);
    expect(SessionSchema.parse((await owner.as.get(`${SESSIONS}/${target}`)).body).webhook_url).toBeNull();
    expect(WebhookSettingsSchema.parse((await owner.as.get('/api/v1/webhook-settings')).body).url).toBeNull();
  });
});
