import { randomUUID } from 'node:crypto';
import { AuditListResponseSchema } from '@platform/contracts';
import { signUp, type Session } from '../../tests/support/accounts';
import type { Platform } from '../../tests/support/platform';
import { SESSIONS, messagesOf, toolCallsOf } from '../../tests/support/sessions';
import { AttackLog } from './support/attack-log';
import { FOREIGN_OPERATION_NAMES, foreignOperations, onMissingIds, type Operation } from './support/foreign-operations';
import { startFuzzPlatform } from './support/fuzz-platform';
import { writeReport } from './support/oracle';
import type { RawCase } from './support/raw-client';
import { buildWorld, type World } from './support/world';

jest.setTimeout(60_000);

let platform: Platform;
let world: World;
let intruder: Session;
const log = new AttackLog();

beforeAll(async () => {
  platform = await startFuzzPlatform('rel-attacks-ownership');
  [world, intruder] = await Promise.all([buildWorld(platform), signUp(platform.api, 'intruder')]);
}, 120_000);

afterAll(async () => {
  log.restore();
  writeReport('input-attacks-ownership', { requests: log.requests, attacks: log.attacks });
  await platform?.stop();
}, 30_000);

const asCase = (op: Operation, token: string): RawCase => ({
  method: op.method,
  target: op.path,
  headers: {
    authorization: `Bearer ${token}`,
    ...(op.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...op.headers,
  },
  ...(op.body === undefined ? {} : { body: Buffer.from(JSON.stringify(op.body)) }),
});

/** What the owner sees of everything the intruder aims at. */
async function ownerView() {
  const [done, waiting] = world.ids.sessions as [string, string];
  const as = world.owner.as;
  const bodies = await Promise.all(
    [
      `/api/channels/${world.ids.channels[0]}`,
      `${SESSIONS}/${done}`,
      `${SESSIONS}/${done}/runs`,
      `${SESSIONS}/${waiting}/permissions`,
      `/users/${world.owner.user.id}`,
    ].map(async (p) => (await as.get(p)).body),
  );
  return { bodies, messages: await messagesOf(as, done), toolCalls: await toolCallsOf(as, done) };
}

describe("another user on the owner's channels, sessions, runs, messages, streams, permissions, audit, deliveries and account", () => {
  let before: Awaited<ReturnType<typeof ownerView>>;

  beforeAll(async () => {
    before = await ownerView();
  });

  it.each(FOREIGN_OPERATION_NAMES)('gets 404, exactly as for ids that do not exist, trying to %s', async (what) => {
    const op = foreignOperations(world).find((o) => o.what === what)!;
    const missing = onMissingIds(op, world, randomUUID());

    const theirs = await log.attempt(
      'user B on user A',
      platform.gateway.url,
      asCase(op, intruder.tokens.access_token),
      404,
    );
    const nobodys = await log.attempt(
      'user B on ids nobody has',
      platform.gateway.url,
      asCase(missing, intruder.tokens.access_token),
      404,
    );

    expect([theirs.status, theirs.code]).toEqual([404, 'NOT_FOUND']);
    expect(JSON.parse(theirs.text).error).toBe(JSON.parse(nobodys.text).error);
    if (op.ownerRead) expect((await world.owner.as.get(op.path)).status).toBe(200);
  });

  it('gets 404 opening the WebSocket stream with ?token= too', async () => {
    const op = foreignOperations(world).find((o) => o.what === 'open the WebSocket stream')!;
    const c = asCase({ ...op, path: `${op.path}?token=${intruder.tokens.access_token}` }, '');
    delete c.headers.authorization;

    expect((await log.attempt('user B on user A', platform.gateway.url, c, 404)).code).toBe('NOT_FOUND');
  });

  it('leaves everything exactly as it was, with no trace of the intruder in the audit log', async () => {
    const after = await ownerView();
    const audit = await world.owner.as.get(`${SESSIONS}/${world.ids.sessions[0]}/audit`, { query: { limit: 100 } });

    expect(after).toEqual(before);
    expect(AuditListResponseSchema.parse(audit.body).items.map((a) => a.actor)).not.toContain(
      `user:${intruder.user.id}`,
    );
    expect(log.attacks['user B on user A']).toEqual({
      attempts: foreignOperations(world).length + 1,
      refused: foreignOperations(world).length + 1,
    });
  });
});
