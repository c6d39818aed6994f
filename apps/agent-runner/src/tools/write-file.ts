import { z } from 'zod';
import { ToolError, defineTool } from './types';

export const WRITE_MAX_BYTES = 1024 * 1024;

export const writeFile = defineTool({
  name: 'write_file',
  kind: 'write',
  description: 'Create or replace a text file in the working directory (parent directories are created).',
  input: z.strictObject({
    path: z.string().min(1).describe('File to write, relative to the working directory'),
    content: z.string().describe('The complete new content of the file'),
  }),
  async run(input, ctx) {
    const content = Buffer.from(input.content, 'utf8');
    if (content.length > WRITE_MAX_BYTES)
      throw new ToolError(
        `Refused: ${content.length} bytes is more than the ${WRITE_MAX_BYTES} bytes a file may have.`,
      );
    const { path, created } = await ctx.workspace.writeFile(input.path, content);
    return `${created ? 'Created' : 'Replaced'} ${path.display} (${content.length} bytes).`;
  },
});
