import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DisabledExecutor } from '@platform/sandbox-kit';
import { createLogger } from '@platform/service-kit';
import { Workspace } from '../workspace/workspace';
import { ToolRegistry, type ToolExecutor } from './registry';
import { RAW_ARGUMENTS_KEY } from '../providers/turn-assembler';

const logger = createLogger({ service: 'test', level: 'error', pretty: false });

describe('file tools', () => {
  let tmp: string;
  let root: string;
  let tools: ToolExecutor;
  const signal = new AbortController().signal;
  const run = (name: string, input: Record<string, unknown>) => tools.execute(name, input, signal);

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'tools-')));
    root = path.join(tmp, 'ws');
    const workspace = new Workspace(root, {
      limits: { quotaBytes: 64 * 1024, maxFiles: 20 },
      isDeleted: () => Promise.resolve(false),
    });
    tools = new ToolRegistry({
      outputLimitBytes: 2048,
      logger,
      executor: new DisabledExecutor('no sandbox in unit tests'),
    }).forWorkspace({
      workspace,
      sessionId: '00000000-0000-4000-8000-000000000000',
      network: { mode: 'none' },
    });
    await fs.mkdir(path.join(root, 'src', 'deep'), { recursive: true });
    await fs.writeFile(path.join(root, 'README.md'), 'hello\nTODO: write docs\n');
    await fs.writeFile(path.join(root, 'src', 'main.ts'), 'const x = 1; // todo later\n');
    await fs.writeFile(path.join(root, 'src', 'deep', 'blob.bin'), Buffer.from([0, 1, 2, 3]));
  });

  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('offers JSON Schemas derived from the tool inputs, minus excluded tools', () => {
    const specs = tools.specs(['write_file']);
    expect(specs.map((s) => s.name)).toEqual(['list_files', 'read_file', 'search_files', 'shell']);
    expect(specs.find((s) => s.name === 'read_file')?.inputSchema).toEqual({
      type: 'object',
      properties: { path: expect.objectContaining({ type: 'string' }) },
      required: ['path'],
      additionalProperties: false,
    });
  });

  it('lists a directory, and recursively with directories marked', async () => {
    await expect(run('list_files', {})).resolves.toEqual({ output: 'README.md\nsrc/', isError: false });
    await expect(run('list_files', { path: 'src', recursive: true })).resolves.toEqual({
      output: ['src/deep/', 'src/deep/blob.bin', 'src/main.ts'].join('\n'),
      isError: false,
    });
  });

  it('reads text, refuses binaries politely and caps long files', async () => {
    await expect(run('read_file', { path: 'README.md' })).resolves.toEqual({
      output: 'hello\nTODO: write docs\n',
      isError: false,
    });
    await expect(run('read_file', { path: 'src/deep/blob.bin' })).resolves.toMatchObject({
      output: expect.stringMatching(/binary file/),
    });
    await fs.writeFile(path.join(root, 'big.txt'), 'x'.repeat(10_000));
    const big = await run('read_file', { path: 'big.txt' });
    expect(Buffer.byteLength(big.output)).toBeLessThanOrEqual(2048);
    expect(big.output).toMatch(/truncated/);
  });

  it('writes files with their parent directories and reports replacements', async () => {
    await expect(run('write_file', { path: 'out/new.txt', content: 'héllo' })).resolves.toEqual({
      output: 'Created out/new.txt (6 bytes).',
      isError: false,
    });
    await expect(fs.readFile(path.join(root, 'out', 'new.txt'), 'utf8')).resolves.toBe('héllo');
    await expect(run('write_file', { path: 'out/new.txt', content: '' })).resolves.toMatchObject({
      output: 'Replaced out/new.txt (0 bytes).',
    });
  });

  it('searches text case-insensitively by default and skips binaries', async () => {
    await expect(run('search_files', { pattern: 'todo' })).resolves.toEqual({
      output: 'README.md:2: TODO: write docs\nsrc/main.ts:1: const x = 1; // todo later',
      isError: false,
    });
    await expect(run('search_files', { pattern: 'todo', case_sensitive: true })).resolves.toMatchObject({
      output: 'src/main.ts:1: const x = 1; // todo later',
    });
    await expect(run('search_files', { pattern: 'nothing-like-this' })).resolves.toMatchObject({
      output: 'No matches for "nothing-like-this".',
    });
  });

  it('does not follow symlinks while listing or searching', async () => {
    await fs.writeFile(path.join(tmp, 'secret.txt'), 'todo: outside');
    await fs.symlink(tmp, path.join(root, 'escape'));
    const found = await run('search_files', { pattern: 'outside' });
    expect(found.output).toBe('No matches for "outside".');
    const listed = await run('list_files', { recursive: true });
    expect(listed.output.split('\n')).toContain('escape');
    expect(listed.output).not.toMatch(/secret/);
  });

  it('reports bad input, unknown tools, missing files and refused paths as errors for the model', async () => {
    await expect(run('read_file', {})).resolves.toMatchObject({
      isError: true,
      output: expect.stringMatching(/^Invalid input for read_file: path:/),
    });
    await expect(run('read_file', { [RAW_ARGUMENTS_KEY]: '{"path":' })).resolves.toMatchObject({
      isError: true,
      output: expect.stringMatching(/not a JSON object/),
    });
    await expect(run('delete_everything', {})).resolves.toEqual({
      output: 'Unknown tool "delete_everything".',
      isError: true,
    });
    await expect(run('read_file', { path: 'missing.txt' })).resolves.toEqual({
      output: 'No such file: missing.txt',
      isError: true,
    });
    await expect(run('read_file', { path: '../secret.txt' })).resolves.toMatchObject({
      isError: true,
      output: expect.stringMatching(/leads outside/),
    });
    await expect(run('write_file', { path: '/tmp/x', content: 'x' })).resolves.toMatchObject({
      isError: true,
      output: expect.stringMatching(/absolute path/),
    });
  });
});
