/**
 * docker-compose.yml and .env.example, read the way `docker compose` reads them (YAML with merge
 * keys, `${VAR}` interpolation from a `.env` made by tools/deploy/init-env.ts) and checked against
 * the code: every app in apps/ runs with an environment its own zod config schema accepts in full.
 * No Docker engine is needed (nor available here).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { findRepoRoot } from '@platform/testing';
import { SANDBOX_DEPLOY_UID, configValue, deployEnvProblems, hasDatabase, listApps, loadConfigSchema, objectShape } from './app-config';
import { generateEnvFile, interpolateDeep, parseDotenv, referencedVars } from './dotenv';
import { checkConfig } from './support/haproxy';

const root = findRepoRoot();
const apps = listApps(root);

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  volumes?: string[];
  ports?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  user?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const composeText = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const exampleText = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
const raw = parse(composeText, { merge: true }) as ComposeFile;
const example = parseDotenv(exampleText);
const dotenv = Object.fromEntries(parseDotenv(generateEnvFile(exampleText)).map((e) => [e.key, e.value]));
const compose = interpolateDeep(raw, dotenv);

const envOf = (s: ComposeService): Record<string, string> =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
const isMigration = (s: ComposeService) => JSON.stringify(s.command) === '["migrate"]';
const imageApp = (s: ComposeService) => /^agent-platform\/([a-z0-9-]+):/.exec(s.image ?? '')?.[1];
const servicesOf = (app: string) =>
  Object.entries(compose.services).filter(([, s]) => imageApp(s) === app && !isMigration(s));

describe('.env.example', () => {
  it('documents every variable in a comment right above it', () => {
    expect(example.length).toBeGreaterThan(5);
    for (const e of example)
      expect(e.doc.join(' ').trim().length > 10 ? e.key : `${e.key} is undocumented`).toBe(e.key);
  });

  it('has exactly the variables docker-compose.yml uses', () => {
    const used = new Set(referencedVars(composeText));
    const documented = new Set(example.map((e) => e.key));
    expect([...used].filter((v) => !documented.has(v))).toEqual([]);
    expect([...documented].filter((v) => !used.has(v))).toEqual([]);
  });

  it('makes compose stop with a clear message while a secret is not filled in', () => {
    const unfilled = Object.fromEntries(example.map((e) => [e.key, e.value]));
    expect(() => interpolateDeep(raw, unfilled)).toThrow(/REGISTRY_TOKEN|POSTGRES_PASSWORD|JWT_PRIVATE_KEY/);
  });
});

describe('docker-compose.yml', () => {
  it('runs PostgreSQL with a volume and Redis, both health-checked', () => {
    const pg = compose.services.postgres;
    expect(pg?.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('postgres-data');
    expect(pg?.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(compose.services.redis?.healthcheck?.test.join(' ')).toContain('redis-cli ping');
  });

  describe.each(apps)('%s', (app) => {
    const schema = loadConfigSchema(root, app);

    it('runs from its image, built by infra/Dockerfile, read-only and health-checked', () => {
      const entries = servicesOf(app);
      expect(entries.map(([name]) => name)).toEqual([app]);
      const [, s] = entries[0]!;
      expect(s.build).toEqual({ context: '.', dockerfile: 'infra/Dockerfile', args: { APP: app } });
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toContain('/tmp');
      expect(s.healthcheck?.test).toEqual(['CMD', 'node', '/app/healthcheck.js']);
      // The image's non-root user; the sandbox service runs as another user than the runner's.
      expect(s.user).toBe(app === 'sandbox' ? `${SANDBOX_DEPLOY_UID}:${SANDBOX_DEPLOY_UID}` : undefined);
    });

    it('gets an environment its config schema accepts in full, pointing at the compose services', () => {
      const [name, s] = servicesOf(app)[0]!;
      const env = envOf(s);
      expect(deployEnvProblems(schema, { values: env })).toEqual([]);
      const port = configValue(schema, env, 'PORT');
      if (env.PUBLIC_URL) expect(env.PUBLIC_URL).toBe(`http://${name}:${String(port)}`);
      for (const key of ['DATABASE_URL', 'REDIS_URL', 'REGISTRY_URL']) {
        if (!env[key]) continue;
        const host = new URL(env[key]).hostname;
        expect(compose.services[host] ? host : `${key} points at ${host}, not a compose service`).toBe(host);
      }
      // Services that register find the registry; the sandbox service has no registry to talk to (nor its token).
      if (!('REGISTRY_URL' in objectShape(schema))) return;
      const registryPort = configValue(loadConfigSchema(root, 'registry'), envOf(compose.services.registry!), 'PORT');
      expect(env.REGISTRY_URL).toBe(`http://registry:${String(registryPort)}`);
    });

    it('starts after what it needs is healthy, and after its migrations when it has a database', () => {
      const [, s] = servicesOf(app)[0]!;
      const deps = Object.entries(s.depends_on ?? {});
      for (const [dep, { condition }] of deps) {
        const target = compose.services[dep];
        expect(target).toBeDefined();
        if (isMigration(target!)) expect(condition).toBe('service_completed_successfully');
        else expect(condition).toBe('service_healthy');
        if (condition === 'service_healthy') expect(target?.healthcheck).toBeDefined();
      }
      const env = envOf(s);
      if (env.REDIS_URL) expect(s.depends_on).toHaveProperty('redis');
      if (app !== 'registry' && 'REGISTRY_URL' in objectShape(schema)) expect(s.depends_on).toHaveProperty('registry');
      const migrations = Object.entries(compose.services).filter(([, m]) => isMigration(m) && imageApp(m) === app);
      if (!hasDatabase(root, app)) {
        expect(migrations).toEqual([]);
        return;
      }
      expect(migrations).toHaveLength(1);
      const [migrateName, m] = migrations[0]!;
      expect(s.depends_on?.[migrateName]?.condition).toBe('service_completed_successfully');
      expect(m.image).toBe(s.image);
      expect(envOf(m).DATABASE_URL).toBe(env.DATABASE_URL);
      expect(m.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(m.read_only).toBe(true);
    });
  });

  it('runs two gateway replicas and two agent-runner replicas', () => {
    expect(servicesOf('gateway')[0]?.[1].deploy?.replicas).toBe(2);
    expect(servicesOf('agent-runner')[0]?.[1].deploy?.replicas).toBe(2);
  });

  it('shares one named volume between the agent-runners, at their WORKDIR_ROOT', () => {
    const [, runner] = servicesOf('agent-runner')[0]!;
    const workdir = configValue(loadConfigSchema(root, 'agent-runner'), envOf(runner), 'WORKDIR_ROOT');
    const mount = runner.volumes?.find((v) => v.endsWith(`:${String(workdir)}`));
    const volume = mount?.split(':')[0];
    expect(volume).toBeDefined();
    expect(compose.volumes).toHaveProperty(volume!);
  });

  it('puts HAProxy on port 80 in front of the gateways, running the repository haproxy.cfg with these settings', () => {
    const h = compose.services.haproxy!;
    expect(h.ports?.some((p) => /:80$/.test(p))).toBe(true);
    expect(h.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(h.depends_on?.gateway?.condition).toBe('service_healthy');
    const env = envOf(h);
    const gatewayPort = configValue(loadConfigSchema(root, 'gateway'), envOf(servicesOf('gateway')[0]![1]), 'PORT');
    expect(env.GATEWAY_SERVICE).toBe(`gateway:${String(gatewayPort)}`);
    expect(env.HAPROXY_STATS_PASSWORD).toBe(dotenv.HAPROXY_STATS_PASSWORD);
    const checked = checkConfig(env);
    expect(checked.output).toContain('Configuration file is valid');
  });
});

describe('tools/deploy/init-env.ts', () => {
  it('fills every [generated] variable and nothing else', () => {
    for (const e of example) {
      const generated = e.doc.some((d) => d.includes('[generated]'));
      if (generated) expect(dotenv[e.key]?.length).toBeGreaterThanOrEqual(16);
      else expect(dotenv[e.key]).toBe(e.value);
    }
    expect(dotenv.JWT_PRIVATE_KEY).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
  });
});
