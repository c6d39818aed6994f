import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ForkWorkspaceJob, ForkWorkspaceResult } from '@platform/contracts';
import { DirHandle, errnoOf } from './dir-handle';
import { CopyOverQuota, copyTree, type CopyTally } from './copy-tree';
import { removeEntry } from './remove-tree';
import { overQuota } from './quota';
import { workspaceUsage, type WorkspaceUsage } from './usage';
import type { Workspaces } from './workspaces';

const openIfThere = (dir: string): Promise<DirHandle | undefined> =>
  DirHandle.open(dir).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  });

/**
 * Copies a session's working directory to its fork. Idempotent and order-tolerant: a missing (or
 * deleted) source is `no_source`; a fork deleted meanwhile is `deleted` and gets nothing; a fresh
 * target is built aside and renamed into place; when the target exists already (an earlier attempt)
 * only what it lacks is added (as far as the quota allows). All or nothing against the quota for a
 * fresh copy: a source over the quota, or a copy that would take the target past it (the source grew
 * meanwhile), copies nothing and answers `over_quota` — a partial tree would be a workspace nobody
 * asked for, and a clear refusal can be acted on (sessions records it on the fork). See copyTree for
 * what is never copied.
 */
export async function forkWorkspace(ws: Workspaces, job: ForkWorkspaceJob): Promise<ForkWorkspaceResult> {
  const limits = { bytes: ws.limits.quotaBytes, files: ws.limits.maxFiles };
  if (await ws.isDeleted(job.to_session_id)) return { result: 'deleted' };
  if (await ws.isDeleted(job.from_session_id)) return { result: 'no_source' };
  const source = await openIfThere(ws.dirOf(job.from_session_id));
  if (!source) return { result: 'no_source' };
  try {
    const usage = await workspaceUsage(ws.dirOf(job.from_session_id));
    if (overQuota(ws.limits, usage)) return { result: 'over_quota', usage: plain(usage), limits };
    const to = ws.dirOf(job.to_session_id);
    const outcome = (await exists(to)) ? await merge(ws, source, to) : await copyFresh(ws, source, to);
    if (outcome.result !== 'over_quota' && (await ws.isDeleted(job.to_session_id))) {
      // Deleted while we copied: its deletion may have run before the rename, so clear up behind it.
      await removeIn(ws.root, job.to_session_id);
      return { result: 'deleted' };
    }
    // A copy that ran out of room reports the source's size, like a refusal up front.
    return outcome.result === 'over_quota' ? { ...outcome, usage: plain(usage), limits } : { ...outcome, limits };
  } finally {
    await source.close();
  }
}

type Outcome = Omit<ForkWorkspaceResult, 'limits'>;

async function copyFresh(ws: Workspaces, source: DirHandle, to: string): Promise<Outcome> {
  const stagingName = `${path.basename(to)}.fork-${randomUUID()}`;
  const staging = path.join(path.dirname(to), stagingName);
  await fs.mkdir(staging);
  try {
    const outcome = await copyInto(source, staging, { bytes: ws.limits.quotaBytes, files: ws.limits.maxFiles });
    if (outcome.result === 'over_quota') return outcome;
    await fs.rename(staging, to);
    return { ...outcome, result: 'copied' };
  } catch (err) {
    // Another attempt won the rename: fill in whatever it lacks.
    if (errnoOf(err) === 'ENOTEMPTY' || errnoOf(err) === 'EEXIST') return merge(ws, source, to);
    throw err;
  } finally {
    await removeIn(path.dirname(staging), stagingName);
  }
}

async function merge(ws: Workspaces, source: DirHandle, to: string): Promise<Outcome> {
  const there = await workspaceUsage(to);
  if (!there.complete) return { result: 'over_quota', usage: plain(there) };
  const budget = { bytes: ws.limits.quotaBytes - there.bytes, files: ws.limits.maxFiles - there.files };
  const outcome = await copyInto(source, to, budget);
  return outcome.result === 'over_quota' ? outcome : { ...outcome, result: 'merged' };
}

async function copyInto(source: DirHandle, target: string, budget: { bytes: number; files: number }): Promise<Outcome> {
  const dst = await DirHandle.open(target);
  const tally: CopyTally = { bytes: 0, files: 0, special: 0, hardLinked: 0 };
  try {
    await copyTree(source, dst, budget, tally);
  } catch (err) {
    if (!(err instanceof CopyOverQuota)) throw err;
    return { result: 'over_quota', usage: { bytes: tally.bytes, files: tally.files } };
  } finally {
    await dst.close();
  }
  return {
    result: 'copied',
    usage: { bytes: tally.bytes, files: tally.files },
    skipped: { special: tally.special, hard_linked: tally.hardLinked },
  };
}

async function removeIn(parent: string, name: string): Promise<void> {
  const dir = await DirHandle.open(parent, { follow: true });
  try {
    await removeEntry(dir, Buffer.from(name));
  } finally {
    await dir.close();
  }
}

const exists = (p: string): Promise<boolean> =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

const plain = (u: WorkspaceUsage) => ({ bytes: u.bytes, files: u.files });
