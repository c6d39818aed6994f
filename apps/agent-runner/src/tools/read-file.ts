import { z } from 'zod';
import { defineTool } from './types';
import { looksBinary } from './output';

export const readFile = defineTool({
  name: 'read_file',
  kind: 'read',
  description: 'Read a text file in the working directory. Long files are cut off; the answer says where.',
  input: z.strictObject({
    path: z.string().min(1).describe('File to read, relative to the working directory'),
  }),
  run: (input, ctx) =>
    ctx.workspace.withFile(input.path, async (file, stat, p) => {
      // Only read what can be shown: a huge file never lands in memory whole.
      const want = Math.min(stat.size, ctx.outputLimitBytes);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await file.read(buf, 0, want, 0);
      const head = buf.subarray(0, bytesRead);
      if (looksBinary(head)) return `${p.display} is a binary file (${stat.size} bytes); not shown.`;
      const text = head.toString('utf8');
      return stat.size > bytesRead ? `${text}\n[file truncated: first ${bytesRead} of ${stat.size} bytes shown]` : text;
    }),
});
