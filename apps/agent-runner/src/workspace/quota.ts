import { ToolError } from '../tools/types';
import { USAGE_MAX_DEPTH, USAGE_MAX_ENTRIES, type WorkspaceUsage } from './usage';

/** How much one working directory may hold (WORKSPACE_QUOTA_BYTES, WORKSPACE_MAX_FILES). */
export interface WorkspaceLimits {
  quotaBytes: number;
  maxFiles: number;
}

/** `n` bytes in words: `512 MiB`, `1.5 KiB`, `300 bytes`. */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (Math.abs(n) < 1024) return `${n} bytes`;
  let v = n;
  let unit = 'bytes';
  for (const u of units) {
    if (Math.abs(v) < 1024) break;
    v /= 1024;
    unit = u;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}

/** Whether a usage is over the limits (an incomplete measure counts as over). */
export const overQuota = (limits: WorkspaceLimits, usage: WorkspaceUsage): boolean =>
  !usage.complete || usage.bytes > limits.quotaBytes || usage.files > limits.maxFiles;

/** What a usage is, in words, against the limits. */
export const describeUsage = (limits: WorkspaceLimits, usage: WorkspaceUsage): string =>
  `${formatBytes(usage.bytes)} of its ${formatBytes(limits.quotaBytes)} quota and ${usage.files} of ${limits.maxFiles} entries`;

/**
 * Refuses a change that adds `growth` to `usage` past the limits. A change that does not grow what
 * is over (rewriting a file shorter) is allowed even in a workspace already over its quota.
 */
export function checkQuota(
  limits: WorkspaceLimits,
  usage: WorkspaceUsage,
  growth: { bytes: number; files: number },
  display: string,
): void {
  if (!usage.complete) {
    throw new ToolError(
      `Refused: the working directory holds more than can be measured (over ${USAGE_MAX_ENTRIES} entries or ` +
        `${USAGE_MAX_DEPTH} levels deep); nothing more may be written to it.`,
    );
  }
  const overBytes = growth.bytes > 0 && usage.bytes + growth.bytes > limits.quotaBytes;
  const overFiles = growth.files > 0 && usage.files + growth.files > limits.maxFiles;
  if (!overBytes && !overFiles) return;
  const needs = [
    growth.bytes > 0 ? formatBytes(growth.bytes) : '',
    growth.files > 0 ? `${growth.files} more ${growth.files === 1 ? 'entry' : 'entries'}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  throw new ToolError(
    `Refused: writing ${display} needs ${needs}, but the working directory already uses ${describeUsage(limits, usage)}; ` +
      'free some space first.',
  );
}
