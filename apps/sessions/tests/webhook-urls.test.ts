import { WebhookDeliveryListResponseSchema } from '@platform/contracts';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { runReaches } from './support/run-control';
import { RunScript } from './support/events';
import { eventually, sleep } from '@platform/testing';

/** Stands in for DNS: what each test hostname resolves to (rebind.test changes its mind). */
const dns: Record<string, string[]> = {
  'public.test': ['93.184.216.34'],
  'internal.test': ['10.0.0.5'],
  'mixed.test': ['93.184.216.34', '192.168.1.1'],
  'metadata.test': ['169.254.169.254'],
  'v6.test': ['fd00::1'],
  'rebind.test': ['93.184.216.34'],
};
const resolveHost = async (host: string) => {
  const found = dns[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  // WEBHOOK_ALLOW_PRIVATE left unset: internal addresses are refused.
  h = await startSessions({ name: 'webhook-urls', resolveHost, env: { WEBHOOK_BACKOFF_MS: '100' } });
  user = await h.newUser('ssrf');
  await h.setQuota(user.id, 50);
  await user.api.put('/api/v1/webhook-settings', {});
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const REFUSED = [
  'http://127.0.0.1:8080/hook',
  'http://10.1.2.3/hook',
  'http://172.20.0.1/hook',
  'http://192.168.0.10/hook',
  'http://169.254.169.254/latest/meta-data',
  'http://100.64.0.1/hook',
  'http://0.0.0.0/hook',
  'http://224.0.0.1/hook',
  'http://[::1]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[fe80::1]/hook',
  'http://localhost:3000/hook',
  'http://api.localhost/hook',
  'http://internal.test/hook',
  'http://mixed.test/hook',
  'http://metadata.test/hook',
  'http://v6.test/hook',
  'http://nowhere.test/hook',
  'http://user:pass@public.test/hook',
];

describe('webhook URLs', () => {
  it.each(REFUSED)('refuses %s on a session with 400 naming body.webhook_url', async (url) => {
    const res = await user.api.post(SESSIONS, { name: 'ssrf', webhook_url: url });

    expect(res.status).toBe(400);
    expect(envelope(res).details?.issues).toEqual([expect.objectContaining({ path: 'body.webhook_url' })]);
  });

  it('accepts a public https URL, and refuses internal ones on PATCH and in the settings too', async () => {
    const created = await user.api.post(SESSIONS, { name: 'public', webhook_url: 'https://public.test/hook' });
    const id = (created.body as { id: string }).id;

    const patched = await user.api.patch(`${SESSIONS}/${id}`, { webhook_url: 'http://10.0.0.1/x' });
    const settings = await user.api.put('/api/v1/webhook-settings', { url: 'http://169.254.169.254/' });
    const cleared = await user.api.patch(`${SESSIONS}/${id}`, { webhook_url: null });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ webhook_url: 'https://public.test/hook' });
    expect(patched.status).toBe(400);
    expect(envelope(patched).details?.issues).toEqual([expect.objectContaining({ path: 'body.webhook_url' })]);
    expect(settings.status).toBe(400);
    expect(envelope(settings).details?.issues).toEqual([expect.objectContaining({ path: 'body.url' })]);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ webhook_url: null });
  });

  it('checks the address again at delivery: a name that now resolves inside is refused once, without retries', async () => {
    const s = await createSession(user, { webhook_url: 'http://rebind.test/hook' });
    dns['rebind.test'] = ['127.0.0.1'];
    const { run_id } = await sendQuery(user, s.id);
    await h.emit(...new RunScript(s.id, run_id).simple());
    await runReaches(user, s.id, run_id, 'completed');

    const list = async () =>
      WebhookDeliveryListResponseSchema.parse((await user.api.get(`${SESSIONS}/${s.id}/webhook-deliveries`)).body)
        .items;
    const [attempt] = await eventually('the attempt is recorded', list, (d) => d[0]?.status === 'failed');
    await sleep(500);

    expect(attempt!.error).toMatch(/^refused: must not point at a loopback/);
    expect(await list()).toHaveLength(1);
  });
});
