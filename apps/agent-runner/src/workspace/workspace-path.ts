import { ToolError } from '../tools/types';
import { quoteName, unquoteName } from './names';
import { joinParts } from './walk';

/** A model-supplied path after lexical checks: its components below the working directory, and how to show it. */
export interface WorkspacePath {
  /** Empty for the working directory itself; no component is empty, `.` or `..`. */
  parts: Buffer[];
  /** Relative to the working directory, escaped (see names.ts); `.` for the directory itself. */
  display: string;
}

const SLASH = 0x2f;

/** A shown path in quotes, for messages (a quoted display already is). */
export const inQuotes = (display: string): string => (display.startsWith('"') ? display : `"${display}"`);

/** How a path is shown: relative, escaped where needed. */
export const displayOf = (parts: readonly Buffer[]): string => (parts.length === 0 ? '.' : quoteName(joinParts(parts)));

/**
 * Checks a path lexically: absolute paths and NUL bytes are refused, `.` and empty components
 * dropped, and `..` taken back against the components before it; one that would climb above the
 * working directory is refused. Nothing on disk is consulted (the walk that follows refuses every
 * symbolic link), so `a/../b` means `b` even when `a` is a link. A quoted name (as the tools show
 * names that need escaping) is accepted and unquoted first.
 */
export function parseWorkspacePath(input: string): WorkspacePath {
  const raw = input.trim() === '' ? '.' : input;
  const bytes = unquoteName(raw) ?? Buffer.from(raw, 'utf8');
  const shown = quoteName(raw, true);
  if (bytes.includes(0)) throw new ToolError('Refused: the path contains a NUL byte.');
  const text = bytes.toString('latin1');
  if (bytes[0] === SLASH || /^[A-Za-z]:[\\/]/.test(text) || text.startsWith('\\')) {
    throw new ToolError(`Refused: ${shown} is an absolute path; use a path relative to the working directory.`);
  }
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== SLASH) continue;
    const part = bytes.subarray(start, i);
    start = i + 1;
    const name = part.toString('latin1');
    if (name === '' || name === '.') continue;
    if (name === '..') {
      if (parts.pop() === undefined) throw new ToolError(`Refused: ${shown} leads outside the working directory.`);
      continue;
    }
    parts.push(Buffer.from(part));
  }
  return { parts, display: displayOf(parts) };
}
