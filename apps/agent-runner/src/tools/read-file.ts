import fs from 'node:fs/promises';
import { z } from 'zod';
import { ToolError, defineTool } from './types';
import { looksBinary } from './output';

export const readFile = defineTool({
  name: 'read_file',
  kind: 'read',
  description: 'Read a text file in the working directory. Long files are cut off; the answer says where.',
  input: z.strictObject({
    path: z.string().min(1).describe('File to read, relative to the working directory'),
  }),
  async run(input, ctx) {
    const file = await ctx.sandbox.resolve(input.path);
    const handle = await fs.open(file.real, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new ToolError(
        err.code === 'ENOENT' ? `No such file: ${input.path}` : `Cannot open ${input.path}: ${err.code ?? err.message}`,
      );
    });
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) throw new ToolError(`${input.path} is a directory; use list_files.`);
      // Only read what can be shown: a huge file never lands in memory whole.
      const want = Math.min(stat.size, ctx.outputLimitBytes);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await handle.read(buf, 0, want, 0);
      const head = buf.subarray(0, bytesRead);
      if (looksBinary(head)) return `${file.display} is a binary file (${stat.size} bytes); not shown.`;
      const text = head.toString('utf8');
      return stat.size > bytesRead ? `${text}\n[file truncated: first ${bytesRead} of ${stat.size} bytes shown]` : text;
    } finally {
      await handle.close();
    }
  },
});
