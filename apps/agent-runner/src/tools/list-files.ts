import { z } from 'zod';
import { defineTool } from './types';
import { displayOf } from '../workspace/workspace-path';
import { walkTree } from '../workspace/walk';

/** What list_files answers for an empty directory. */
export const EMPTY_LISTING = '(empty)';
export const LIST_MAX_DEPTH = 8;
export const LIST_MAX_ENTRIES = 2000;

export const listFiles = defineTool({
  name: 'list_files',
  kind: 'read',
  description:
    'List the files and directories in the working directory (or a directory inside it). ' +
    'Paths are relative to the working directory; directories end with "/". ' +
    'A name with unusual characters is shown as a quoted string with escapes; pass it back as shown.',
  input: z.strictObject({
    path: z.string().default('.').describe('Directory to list, relative to the working directory'),
    recursive: z.boolean().default(false).describe(`Also list subdirectories (up to ${LIST_MAX_DEPTH} levels)`),
  }),
  run: (input, ctx) =>
    ctx.workspace.withDirectory(input.path, async (dir, start) => {
      const lines: string[] = [];
      let bytes = 0;
      const walk = walkTree(dir, { maxDepth: input.recursive ? LIST_MAX_DEPTH : 1, signal: ctx.signal }, start.parts);
      for await (const entry of walk) {
        // Escaped as a whole (slash included): a name cannot forge a line, and the line is a path the tools take back.
        const line =
          entry.kind === 'dir'
            ? displayOf([...entry.path.slice(0, -1), Buffer.concat([entry.name, SLASH])])
            : displayOf(entry.path);
        bytes += Buffer.byteLength(line) + 1;
        if (lines.length >= LIST_MAX_ENTRIES || bytes > ctx.outputLimitBytes) {
          lines.push(`[listing stopped after ${lines.length} entries]`);
          break;
        }
        lines.push(line);
      }
      return lines.length === 0 ? EMPTY_LISTING : lines.join('\n');
    }),
});

const SLASH = Buffer.from('/');
