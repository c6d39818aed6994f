import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ToolError, defineTool } from './types';
import { walk } from './walk';

/** What list_files answers for an empty directory. */
export const EMPTY_LISTING = '(empty)';
export const LIST_MAX_DEPTH = 8;
export const LIST_MAX_ENTRIES = 2000;

export const listFiles = defineTool({
  name: 'list_files',
  kind: 'read',
  description:
    'List the files and directories in the working directory (or a directory inside it). ' +
    'Paths are relative to the working directory; directories end with "/".',
  input: z.strictObject({
    path: z.string().default('.').describe('Directory to list, relative to the working directory'),
    recursive: z.boolean().default(false).describe(`Also list subdirectories (up to ${LIST_MAX_DEPTH} levels)`),
  }),
  async run(input, ctx) {
    const dir = await ctx.sandbox.resolve(input.path);
    const stat = await fs.stat(dir.real).catch(() => undefined);
    if (!stat) throw new ToolError(`No such directory: ${input.path}`);
    if (!stat.isDirectory()) throw new ToolError(`Not a directory: ${input.path}`);
    const root = await ctx.sandbox.rootPath();
    const lines: string[] = [];
    let bytes = 0;
    for await (const entry of walk(dir.real, { maxDepth: input.recursive ? LIST_MAX_DEPTH : 1, signal: ctx.signal })) {
      const line = path.relative(root, entry.abs) + (entry.kind === 'dir' ? '/' : '');
      bytes += Buffer.byteLength(line) + 1;
      if (lines.length >= LIST_MAX_ENTRIES || bytes > ctx.outputLimitBytes) {
        lines.push(`[listing stopped after ${lines.length} entries]`);
        break;
      }
      lines.push(line);
    }
    return lines.length === 0 ? EMPTY_LISTING : lines.join('\n');
  },
});
