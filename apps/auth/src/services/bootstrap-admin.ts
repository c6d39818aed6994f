import type { Logger } from '@platform/service-kit';
import type { UsersRepository } from '../repositories/users.repository';
import type { AuditRepository } from '../repositories/audit.repository';
import type { PasswordHasher } from './passwords';

/** Creates the configured first admin once; later starts leave an existing account untouched. */
export async function bootstrapAdmin(
  deps: { users: UsersRepository; audit: AuditRepository; passwords: PasswordHasher; logger: Logger },
  admin: { email: string; password: string; username: string },
): Promise<'created' | 'exists'> {
  if (await deps.users.findByEmail(admin.email)) return 'exists';
  try {
    const user = await deps.users.create({
      email: admin.email,
      username: admin.username,
      passwordHash: await deps.passwords.hash(admin.password),
      role: 'admin',
    });
    await deps.audit.record({ event: 'admin_bootstrapped', userId: user.id, details: { email: admin.email } });
    deps.logger.info('bootstrap admin created', { email: admin.email });
    return 'created';
  } catch (err) {
    // Another instance created it at the same moment.
    if (await deps.users.findByEmail(admin.email)) return 'exists';
    throw err;
  }
}
