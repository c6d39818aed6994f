import fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { ForkWorkspaceJob } from '@platform/contracts';
import { workdirOf } from './run-plan';

const exists = (p: string): Promise<boolean> =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

/**
 * Copies a session's working directory to its fork. Idempotent and order-tolerant: a missing
 * source is a no-op; a fresh target is built aside and renamed into place; when the target already
 * exists (an earlier attempt, or the fork already ran) only missing files are added. Symlinks are
 * copied as links, never followed, so nothing outside the source is copied in.
 */
export async function forkWorkspace(root: string, job: ForkWorkspaceJob): Promise<'copied' | 'merged' | 'no_source'> {
  const from = workdirOf(root, job.from_session_id);
  const to = workdirOf(root, job.to_session_id);
  if (!(await exists(from))) return 'no_source';
  const copy = (dest: string, force: boolean) =>
    fs.cp(from, dest, { recursive: true, force, errorOnExist: false, dereference: false, verbatimSymlinks: true });
  if (await exists(to)) {
    await copy(to, false);
    return 'merged';
  }
  const staging = `${to}.fork-${randomUUID()}`;
  try {
    await copy(staging, true);
    await fs.rename(staging, to);
    return 'copied';
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    // Another attempt won the rename: fill in whatever it lacks.
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
      await copy(to, false);
      return 'merged';
    }
    throw err;
  }
}
