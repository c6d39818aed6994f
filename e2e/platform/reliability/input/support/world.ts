import { PermissionRequestListResponseSchema, UserSchema } from '@platform/contracts';
import { signIn, signUp, type Session } from '../../../tests/support/accounts';
import { waitUntil, type Platform } from '../../../tests/support/platform';
import { SESSIONS, createChannel, createSession, runQuery, startQuery } from '../../../tests/support/sessions';

/** What the fuzzer may put in a path parameter besides garbage: ids that exist, so handlers get past the lookup. */
export interface World {
  owner: Session;
  admin: Awaited<ReturnType<typeof signIn>>;
  /** Real ids by the family of the path they belong in. */
  ids: {
    users: string[];
    channels: string[];
    sessions: string[];
    runs: string[];
    permissionRequests: string[];
  };
}

/**
 * One user with a channel, a session in it holding a completed run and its messages, and a second
 * session whose run waits on a pending permission request; and the admin.
 */
export async function buildWorld(platform: Platform): Promise<World> {
  const [owner, admin] = await Promise.all([signUp(platform.api, 'fuzz-owner'), signIn(platform.api, platform.admin)]);
  const channel = await createChannel(owner.as, 'fuzzed');
  const done = await createSession(owner.as, {
    name: 'done',
    channel_id: channel.id,
    options: { permission_mode: 'accept_edits' },
  });
  const run = await runQuery(owner.as, done.id, 'write notes.txt: hello from the fuzzer');
  const waiting = await createSession(owner.as, { name: 'waiting', options: { permission_mode: 'default' } });
  const asked = await startQuery(owner.as, waiting.id, 'write pending.txt: needs a yes');
  let requestId = '';
  await waitUntil(
    'the permission request is pending',
    async () => {
      const res = await owner.as.get(`${SESSIONS}/${waiting.id}/permissions`, { query: { status: 'pending' } });
      requestId = PermissionRequestListResponseSchema.parse(res.body).items[0]?.id ?? '';
      return requestId !== '';
    },
    20_000,
    100,
  );
  const adminId = UserSchema.parse((await admin.as.get('/auth/profile')).body).id;
  return {
    owner,
    admin,
    ids: {
      users: [owner.user.id, adminId],
      channels: [channel.id],
      sessions: [done.id, waiting.id],
      runs: [run.id, asked.run_id],
      permissionRequests: [requestId],
    },
  };
}

/** The real ids that fit `param` of `template` (e.g. `{id}` of `/users/{id}` wants user ids). */
export function idsFor(world: World, template: string, param: string): string[] {
  if (param === 'run_id') return world.ids.runs;
  if (param === 'request_id') return world.ids.permissionRequests;
  if (param === 'user_id') return world.ids.users;
  if (template.startsWith('/users')) return world.ids.users;
  if (template.includes('channels')) return world.ids.channels;
  if (template.startsWith(SESSIONS)) return world.ids.sessions;
  return [];
}
