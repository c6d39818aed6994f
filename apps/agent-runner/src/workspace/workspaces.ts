import fs from 'node:fs/promises';
import path from 'node:path';
import type { DeleteWorkspaceResult, ForkWorkspaceJob, ForkWorkspaceResult } from '@platform/contracts';
import { DirHandle } from './dir-handle';
import { removeEntry } from './remove-tree';
import { forkWorkspace } from './fork';
import { Workspace } from './workspace';
import type { WorkspaceLimits } from './quota';

/** Where deleted sessions are remembered, so nothing creates their directory again: `<WORKDIR_ROOT>/.deleted/<session_id>`. */
export const TOMBSTONES_DIR = '.deleted';
/** A deletion is remembered this long: far past any retry or stalled job that could still name the session. */
export const TOMBSTONE_TTL_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/** `<root>/<session_id>`; the id is a UUID (checked by the job schema), so it cannot climb out of the root. */
export const workdirOf = (root: string, sessionId: string): string => path.join(root, sessionId);

/**
 * The volume of working directories (WORKDIR_ROOT), which this runner owns: a session's workspace,
 * and the jobs that delete and fork them. A deleted session leaves a tombstone, written before its
 * directory is removed and checked by everything that creates one, so a run or fork that arrives
 * later never brings the directory back.
 */
export class Workspaces {
  private lastPrune = 0;

  constructor(
    readonly root: string,
    readonly limits: WorkspaceLimits,
  ) {}

  dirOf(sessionId: string): string {
    return workdirOf(this.root, sessionId);
  }

  /** A session's working directory (created on first use, unless the session was deleted). */
  of(sessionId: string): Workspace {
    return new Workspace(this.dirOf(sessionId), { limits: this.limits, isDeleted: () => this.isDeleted(sessionId) });
  }

  isDeleted(sessionId: string): Promise<boolean> {
    return fs.access(this.tombstone(sessionId)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Removes a deleted session's working directory for good: the tombstone first (from then on nothing
   * recreates it), then the tree, through descriptors and without following links. Safe to repeat.
   */
  async delete(sessionId: string): Promise<DeleteWorkspaceResult> {
    await fs.mkdir(path.join(this.root, TOMBSTONES_DIR), { recursive: true });
    await fs.writeFile(this.tombstone(sessionId), '');
    const root = await DirHandle.open(this.root, { follow: true });
    let removed: boolean;
    try {
      removed = await removeEntry(root, Buffer.from(sessionId));
    } finally {
      await root.close();
    }
    await this.pruneTombstones();
    return { result: removed ? 'deleted' : 'absent' };
  }

  /** Copies a session's working directory to its fork, within the quota (see forkWorkspace). */
  fork(job: ForkWorkspaceJob): Promise<ForkWorkspaceResult> {
    return forkWorkspace(this, job);
  }

  private tombstone(sessionId: string): string {
    return path.join(this.root, TOMBSTONES_DIR, sessionId);
  }

  /** Forgets deletions older than TOMBSTONE_TTL_MS, at most once an hour per process. */
  private async pruneTombstones(now = Date.now()): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const dir = path.join(this.root, TOMBSTONES_DIR);
    for (const name of await fs.readdir(dir).catch(() => [])) {
      const file = path.join(dir, name);
      const stat = await fs.lstat(file).catch(() => undefined);
      if (stat && now - stat.mtimeMs > TOMBSTONE_TTL_MS) await fs.unlink(file).catch(() => undefined);
    }
  }
}
