import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ToolError, defineTool } from './types';
import { looksBinary } from './output';
import { walk } from './walk';

export const SEARCH_MAX_DEPTH = 12;
export const SEARCH_MAX_FILES = 5000;
export const SEARCH_MAX_FILE_BYTES = 1024 * 1024;
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
  async run(input, ctx) {
    const dir = await ctx.sandbox.resolve(input.path);
    const stat = await fs.stat(dir.real).catch(() => undefined);
    if (!stat?.isDirectory()) throw new ToolError(`No such directory: ${input.path}`);
    const root = await ctx.sandbox.rootPath();
    const needle = input.case_sensitive ? input.pattern : input.pattern.toLowerCase();
    const matches: string[] = [];
    let files = 0;
    for await (const entry of walk(dir.real, { maxDepth: SEARCH_MAX_DEPTH, signal: ctx.signal })) {
      // Symlinks are skipped, never followed: they could lead out of the working directory.
      if (entry.kind !== 'file') continue;
      if (++files > SEARCH_MAX_FILES) {
        matches.push(`[search stopped after ${SEARCH_MAX_FILES} files]`);
        break;
      }
      const found = await searchFile(entry.abs, needle, input.case_sensitive);
      const rel = path.relative(root, entry.abs);
      for (const [line, text] of found) matches.push(`${rel}:${line}: ${text}`);
      if (matches.length >= SEARCH_MAX_MATCHES) {
        matches.length = SEARCH_MAX_MATCHES;
        matches.push(`[search stopped after ${SEARCH_MAX_MATCHES} matches]`);
        break;
      }
    }
    return matches.length === 0 ? `No matches for "${input.pattern}".` : matches.join('\n');
  },
});

async function searchFile(file: string, needle: string, caseSensitive: boolean): Promise<Array<[number, string]>> {
  const stat = await fs.stat(file);
  if (stat.size > SEARCH_MAX_FILE_BYTES) return [];
  const buf = await fs.readFile(file);
  if (looksBinary(buf)) return [];
  const out: Array<[number, string]> = [];
  buf
    .toString('utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if ((caseSensitive ? line : line.toLowerCase()).includes(needle))
        out.push([i + 1, line.trim().slice(0, LINE_PREVIEW)]);
    });
  return out;
}
