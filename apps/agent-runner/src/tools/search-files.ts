import { constants as C } from 'node:fs';
import { z } from 'zod';
import { defineTool } from './types';
import { looksBinary } from './output';
import { displayOf } from '../workspace/workspace-path';
import { walkTree, type TreeEntry } from '../workspace/walk';
import { escapeControls } from '../workspace/names';
import { formatBytes } from '../workspace/quota';

export const SEARCH_MAX_DEPTH = 12;
export const SEARCH_MAX_FILES = 5000;
export const SEARCH_MAX_FILE_BYTES = 1024 * 1024;
/** What one search reads at most, all files together. */
export const SEARCH_MAX_TOTAL_BYTES = 64 * 1024 * 1024;
export const SEARCH_MAX_MATCHES = 200;
const LINE_PREVIEW = 200;

export const searchFiles = defineTool({
  name: 'search_files',
  kind: 'read',
  description:
    'Search the text files in the working directory for a literal piece of text (not a regular expression). ' +
    'Answers with "path:line: text" for each matching line.',
  input: z.strictObject({
    pattern: z.string().min(1).max(500).describe('The text to look for'),
    path: z.string().default('.').describe('Directory to search in, relative to the working directory'),
    case_sensitive: z.boolean().default(false),
  }),
  run: (input, ctx) =>
    ctx.workspace.withDirectory(input.path, async (dir, start) => {
      const needle = input.case_sensitive ? input.pattern : input.pattern.toLowerCase();
      const matches: string[] = [];
      const notes: string[] = [];
      let files = 0;
      let read = 0;
      let tooBig = 0;
      const buf = Buffer.alloc(SEARCH_MAX_FILE_BYTES + 1);
      for await (const entry of walkTree(dir, { maxDepth: SEARCH_MAX_DEPTH, signal: ctx.signal }, start.parts)) {
        // Symlinks are skipped, never followed: they could lead out of the working directory.
        if (entry.kind !== 'file') continue;
        if (++files > SEARCH_MAX_FILES) {
          notes.push(`[search stopped after ${SEARCH_MAX_FILES} files]`);
          break;
        }
        if (read >= SEARCH_MAX_TOTAL_BYTES) {
          notes.push(`[search stopped after reading ${formatBytes(SEARCH_MAX_TOTAL_BYTES)}]`);
          break;
        }
        const text = await readSearchable(entry, buf);
        if (text === 'too-big') tooBig += 1;
        if (typeof text !== 'string' || text === 'too-big') continue;
        read += Buffer.byteLength(text);
        const shown = displayOf(entry.path);
        text.split(/\r?\n/).forEach((line, i) => {
          if ((input.case_sensitive ? line : line.toLowerCase()).includes(needle))
            matches.push(`${shown}:${i + 1}: ${escapeControls(line.trim().slice(0, LINE_PREVIEW))}`);
        });
        if (matches.length >= SEARCH_MAX_MATCHES) {
          matches.length = SEARCH_MAX_MATCHES;
          notes.push(`[search stopped after ${SEARCH_MAX_MATCHES} matches]`);
          break;
        }
      }
      if (tooBig > 0)
        notes.unshift(`[${tooBig} file(s) larger than ${formatBytes(SEARCH_MAX_FILE_BYTES)} not searched]`);
      const body = matches.length === 0 ? `No matches for "${input.pattern}".` : matches.join('\n');
      return notes.length === 0 ? body : `${body}\n${notes.join('\n')}`;
    }),
});

/**
 * A file's text, if it is one worth searching: a regular file with a single link (checked on the
 * opened descriptor; opened without following a link and without blocking), at most
 * SEARCH_MAX_FILE_BYTES (read no further, even if it grew since), not binary.
 */
async function readSearchable(entry: TreeEntry, buf: Buffer): Promise<string | 'too-big' | undefined> {
  const file = await entry.dir.openFile(entry.name, C.O_RDONLY).catch(() => undefined);
  if (!file) return undefined;
  try {
    const stat = await file.stat();
    if (!stat.isFile() || stat.nlink > 1) return undefined;
    if (stat.size > SEARCH_MAX_FILE_BYTES) return 'too-big';
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    if (bytesRead > SEARCH_MAX_FILE_BYTES) return 'too-big';
    const head = buf.subarray(0, bytesRead);
    return looksBinary(head) ? undefined : head.toString('utf8');
  } finally {
    await file.close();
  }
}
