import fs from 'node:fs/promises';
import path from 'node:path';
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
    const size = Buffer.byteLength(input.content);
    if (size > WRITE_MAX_BYTES)
      throw new ToolError(`Refused: ${size} bytes is more than the ${WRITE_MAX_BYTES} bytes a file may have.`);
    const file = await ctx.sandbox.resolve(input.path);
    const existing = await fs.stat(file.real).catch(() => undefined);
    if (existing?.isDirectory()) throw new ToolError(`${input.path} is a directory.`);
    await fs.mkdir(path.dirname(file.real), { recursive: true });
    // Parents just created cannot be links, but re-check in case one appeared meanwhile.
    const checked = await ctx.sandbox.resolve(input.path);
    await fs.writeFile(checked.real, input.content, 'utf8');
    return `${existing ? 'Replaced' : 'Created'} ${checked.display} (${size} bytes).`;
  },
});
