/**
 * infra/Dockerfile and .dockerignore without a Docker engine: stages, user, health check and entry
 * point; every file the build stage runs exists and is sent in the build context; every runnable
 * app has the build target the image build runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '@platform/testing';
import { listApps } from './app-config';

const root = findRepoRoot();

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions per stage (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Array<{ from: string; name: string | undefined; steps: Instruction[] }> {
  const joined = text.replace(/\\\n/g, ' ');
  const stages: Array<{ from: string; name: string | undefined; steps: Instruction[] }> = [];
  for (const line of joined.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const [op = '', ...rest] = trimmed.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      stages.push({ from: m?.[1] ?? '', name: m?.[2], steps: [] });
    } else {
      stages.at(-1)?.steps.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

describe('infra/Dockerfile', () => {
  const text = fs.readFileSync(path.join(root, 'infra', 'Dockerfile'), 'utf8');
  const stages = parseDockerfile(text);
  const runtime = stages.at(-1)!;
  const build = stages.find((s) => s.name === 'build')!;
  const steps = (stage: typeof runtime, op: string) => stage.steps.filter((s) => s.op === op);

  it('builds with Nx in a build stage and ships only its output in a slim runtime stage', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(runtime.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim$/);
    const runs = steps(build, 'RUN')
      .map((s) => s.args)
      .join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/nx build "\$\{APP\}"/);
    expect(runs).toContain('tools/deploy/assemble-image.ts --app "${APP}" --out /out');
    for (const copy of steps(runtime, 'COPY')) expect(copy.args).toMatch(/--from=build\b.*\/out\/ \/app\/$/);
  });

  it('runs as a numeric non-root user, with a HEALTHCHECK and the serve/migrate entry point', () => {
    const user = steps(runtime, 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^\d+:\d+$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(steps(runtime, 'HEALTHCHECK')[0]?.args).toContain('CMD ["node", "/app/healthcheck.js"]');
    expect(steps(runtime, 'ENTRYPOINT')[0]?.args).toBe('["/app/entrypoint.sh"]');
    expect(steps(runtime, 'CMD')[0]?.args).toBe('["serve"]');
    expect(fs.statSync(path.join(root, 'infra', 'docker', 'entrypoint.sh')).mode & 0o111).not.toBe(0);
  });

  it('refers only to files that exist, and .dockerignore sends them while keeping secrets and build output out', () => {
    const referenced = new Set<string>();
    for (const s of build.steps)
      for (const m of s.args.matchAll(/\b((?:tools|infra|apps|libs)\/[\w./-]+\.(?:ts|js|sh))\b/g))
        referenced.add(m[1] as string);
    expect(referenced.size).toBeGreaterThan(0);
    for (const file of referenced)
      expect(fs.existsSync(path.join(root, file)) ? file : `${file} is missing`).toBe(file);

    const ignored = fs
      .readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['.git', '**/node_modules', 'dist', '.env', '.data', 'apps/*/src/generated'])
      expect(ignored).toContain(p);
    const needed = [
      'package.json',
      'package-lock.json',
      'nx.json',
      'tsconfig.base.json',
      'tsconfig.json',
      'apps',
      'libs',
      'tools',
      'infra',
      ...referenced,
    ];
    for (const p of needed) {
      const hit = ignored.find(
        (pattern) =>
          !pattern.startsWith('!') &&
          (pattern === p || p.startsWith(`${pattern}/`) || pattern === '*' || pattern === '**'),
      );
      expect(hit ? `${p} is excluded by ${hit}` : p).toBe(p);
    }
  });

  it('can build every runnable app: each has an esbuild build target with a generated package.json', () => {
    const runnable = listApps(root).filter((app) => fs.existsSync(path.join(root, 'apps', app, 'src', 'main.ts')));
    expect(runnable).toContain('gateway');
    for (const app of runnable) {
      const file = path.join(root, 'apps', app, 'project.json');
      expect(
        fs.existsSync(file)
          ? app
          : `apps/${app} has src/main.ts but no project.json (the image build runs \`nx build ${app}\`)`,
      ).toBe(app);
      const project = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        targets?: {
          build?: {
            executor?: string;
            options?: { outputPath?: string; generatePackageJson?: boolean; main?: string };
          };
        };
      };
      expect({ app, ...project.targets?.build, options: undefined }).toMatchObject({
        app,
        executor: '@nx/esbuild:esbuild',
      });
      expect(project.targets?.build?.options).toMatchObject({
        outputPath: `dist/apps/${app}`,
        generatePackageJson: true,
        main: `apps/${app}/src/main.ts`,
      });
    }
  });
});
