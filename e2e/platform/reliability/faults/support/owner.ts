import { UserSchema } from '@platform/contracts';
import { signIn, signUp, type Session } from '../../../tests/support/accounts';
import type { Platform } from '../../../tests/support/platform';

/** A new user whom the bootstrapped admin allowed `maxSessions` active sessions (the default is 5). */
export async function ownerOfMany(platform: Platform, label: string, maxSessions: number): Promise<Session> {
  const owner = await signUp(platform.api, label);
  const admin = await signIn(platform.api, platform.admin);
  const res = await admin.as.put(`/users/${owner.user.id}`, { max_concurrent_sessions: maxSessions });
  if (res.status !== 200) throw new Error(`raising the session quota answered ${res.status}: ${res.text}`);
  return { ...owner, user: UserSchema.parse(res.body) };
}
