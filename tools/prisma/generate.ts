/**
 * Generates the Prisma client of every service with a schema (`apps/<svc>/prisma/schema.prisma`):
 * `prisma generate --config apps/<svc>/prisma.config.ts`, offline. Runs from `npm ci` (postinstall).
 *
 * The Prisma 7 CLI checks for its native schema engine before every command, even `generate`,
 * which never uses it, and would try to download it from Prisma's servers: it is pointed at an
 * existing executable instead. `prisma.config.ts` files read DATABASE_URL: a placeholder is set
 * when it is unset (generate never connects).
 *
 *   tsx tools/prisma/generate.ts [--service <svc>]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { discoverPrismaServices } from './services';

const PLACEHOLDER_DATABASE_URL = 'postgresql://prisma-generate@127.0.0.1:5432/placeholder';

export interface GenerateResult {
  service: string;
  ok: boolean;
  ms: number;
  output: string;
}

function dummyEngineBinary(): string {
  for (const candidate of ['/bin/true', '/usr/bin/true']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

/** Environment for an offline `prisma generate`. Keeps a real engine path if one is configured. */
export function offlinePrismaEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  const engine = env['PRISMA_SCHEMA_ENGINE_BINARY'];
  if (!engine || !fs.existsSync(engine)) env['PRISMA_SCHEMA_ENGINE_BINARY'] = dummyEngineBinary();
  if (!env['DATABASE_URL']) env['DATABASE_URL'] = PLACEHOLDER_DATABASE_URL;
  env['CHECKPOINT_DISABLE'] = '1'; // no update check over the network
  env['PRISMA_HIDE_UPDATE_MESSAGE'] = '1';
  return env;
}

function prismaCli(root: string): string {
  return require.resolve('prisma/build/index.js', { paths: [root] });
}

function runGenerate(root: string, service: string, schemaPath: string): Promise<GenerateResult> {
  const configPath = path.join(root, 'apps', service, 'prisma.config.ts');
  const target = fs.existsSync(configPath) ? ['--config', path.relative(root, configPath)] : ['--schema', path.relative(root, schemaPath)];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [prismaCli(root), 'generate', '--no-hints', ...target], {
      cwd: root,
      env: offlinePrismaEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => resolve({ service, ok: false, ms: Date.now() - started, output: `${output}${err.message}\n` }));
    child.on('close', (code) => resolve({ service, ok: code === 0, ms: Date.now() - started, output }));
  });
}

/** Generates the clients of `services` (default: all discovered), in parallel. */
export async function generateAll(root: string, services?: string[]): Promise<GenerateResult[]> {
  const all = discoverPrismaServices(root);
  const selected = services ? all.filter((s) => services.includes(s.service)) : all;
  const unknown = (services ?? []).filter((name) => !all.some((s) => s.service === name));
  if (unknown.length > 0) throw new Error(`no Prisma schema for service(s): ${unknown.join(', ')}`);
  return Promise.all(selected.map((s) => runGenerate(root, s.service, s.schemaPath)));
}

async function main(argv: string[]): Promise<number> {
  const root = path.resolve(__dirname, '..', '..');
  const services: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--service' && argv[i + 1]) services.push(argv[++i] as string);
    else throw new Error(`usage: tsx tools/prisma/generate.ts [--service <svc>]... (unexpected ${argv[i]})`);
  }
  const results = await generateAll(root, services.length > 0 ? services : undefined);
  if (results.length === 0) {
    process.stdout.write('prisma generate: no apps/<svc>/prisma/schema.prisma found\n');
    return 0;
  }
  for (const r of results) {
    if (r.ok) process.stdout.write(`prisma generate: ${r.service} client generated in ${r.ms} ms\n`);
    else process.stderr.write(`prisma generate: ${r.service} FAILED (${r.ms} ms)\n${r.output}\n`);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`prisma generate failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
