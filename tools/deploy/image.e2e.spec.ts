/**
 * The image's /app tree, built the way infra/Dockerfile's build stage builds it (`nx build <app>`,
 * then tools/deploy/assemble-image.ts) for one service with a database and a native addon (auth),
 * then used the way the runtime stage uses it: away from the repository's node_modules, as a
 * non-root user that cannot write to it, `entrypoint.sh migrate` against a fresh database, then
 * `entrypoint.sh` (serve) until /ready answers and the HEALTHCHECK script agrees.
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, findRepoRoot, freePort, type TestDatabase } from '@platform/testing';
import { assembleImage, type AssembleResult } from './assemble-image';
import { bundleExternals } from './runtime-deps';
import { waitFor } from './support/wait';

const root = findRepoRoot();
const APP = 'auth';

/** Adds or removes write permission on a whole tree (execute and read bits stay). */
function setWritable(dir: string, writable: boolean): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory() && writable) fs.chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    fs.chmodSync(p, writable ? st.mode | 0o200 : st.mode & ~0o222);
  };
  walk(dir);
}

describe(`the ${APP} image's /app tree, as assembled by the build stage`, () => {
  let out: string;
  let result: AssembleResult;
  let db: TestDatabase;
  // The runtime stage's user: not root, and unable to write to /app (root owns it).
  const asUser = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {};

  const runEntrypoint = (args: string[], env: Record<string, string>) =>
    spawnSync('sh', [path.join(out, 'entrypoint.sh'), ...args], {
      cwd: out, // WORKDIR /app: not writable by the service user
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
      ...asUser,
    });

  beforeAll(async () => {
    const nx = path.join(
      root,
      'node_modules',
      'nx',
      (
        JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'nx', 'package.json'), 'utf8')) as {
          bin: { nx: string };
        }
      ).bin.nx,
    );
    const built = spawnSync(
      process.execPath,
      [nx, 'build', APP, '--excludeTaskDependencies', '--skip-nx-cache', '--output-style=static'],
      {
        cwd: root,
        env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
    if (built.status !== 0) throw new Error(`nx build ${APP} failed:\n${built.stdout}\n${built.stderr}`);
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'image-'));
    fs.chmodSync(parent, 0o755);
    out = path.join(parent, 'app');
    result = await assembleImage({ root, app: APP, out });
    setWritable(out, false);
    db = await createTestDatabase('deploy_image', { migrate: false });
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
    if (out) {
      setWritable(out, true);
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });

  it('cannot be written to by the service user (as with a read-only root filesystem)', () => {
    const touch = spawnSync('sh', ['-c', 'touch probe'], { cwd: out, encoding: 'utf8', ...asUser });
    expect(touch.status).not.toBe(0);
    expect(touch.stderr).toMatch(/Permission denied|Read-only/);
  });

  it('lists every package the bundle requires in package.json (@prisma/client included) and ships exactly those with their closure', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const externals = bundleExternals(fs.readFileSync(path.join(out, 'main.js'), 'utf8'));
    expect(externals).toContain('@prisma/client');
    for (const name of externals) {
      expect(Object.keys(pkg.dependencies)).toContain(name);
      expect(fs.existsSync(path.join(out, 'node_modules', name, 'package.json')) ? name : `${name} not shipped`).toBe(
        name,
      );
    }
    // Build tools stay in the build stage.
    for (const dev of ['nx', 'jest', 'typescript', 'prisma', 'eslint', 'tsx', 'esbuild'])
      expect(fs.existsSync(path.join(out, 'node_modules', dev)) ? `${dev} shipped` : dev).toBe(dev);
    expect(result.migrations).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'image.json'), 'utf8'))).toEqual({
      app: APP,
      port: 8101,
      migrations: true,
    });
  });

  it('migrates with `entrypoint.sh migrate` as a separate, repeatable command', () => {
    const first = runEntrypoint(['migrate'], { APP_NAME: APP, DATABASE_URL: db.url });
    expect(`${first.stdout}${first.stderr}`).toMatch(/applied \d+ migration/);
    expect(first.status).toBe(0);
    const again = runEntrypoint(['migrate'], { APP_NAME: APP, DATABASE_URL: db.url });
    expect(again.stdout).toContain('is up to date');
    expect(again.status).toBe(0);
  }, 60_000);

  it('serves from the tree alone (no repository node_modules, not root, read-only), healthy by its HEALTHCHECK, and drains on SIGTERM', async () => {
    const port = await freePort();
    const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const env = {
      PATH: process.env.PATH ?? '',
      APP_NAME: APP,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: db.url,
      REGISTRY_TOKEN: `image-test-${randomUUID()}`,
      REGISTER_WITH_REGISTRY: 'false',
      JWT_PRIVATE_KEY: jwtKey,
      LOG_FORMAT: 'json',
    };
    const child = spawn('sh', [path.join(out, 'entrypoint.sh')], {
      cwd: out, // WORKDIR /app: not writable by the service user
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...asUser,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(
        `${APP} ready (output so far: ${output.slice(-500)})`,
        async () => ((await fetch(`http://127.0.0.1:${port}/ready`)).status === 200 ? true : undefined),
        20_000,
      );
      const health = spawnSync(process.execPath, [path.join(out, 'healthcheck.js')], {
        env: { PORT: String(port) },
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(health.status).toBe(0);
      const register = await fetch(`http://127.0.0.1:${port}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'image@example.com', username: 'image', password: 'correct-horse-1' }),
      });
      expect(register.status).toBe(201); // argon2 (native addon) and Prisma (client + query compiler) both load from the tree
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/EACCES|EROFS|Cannot find module/);
  }, 60_000);
});
