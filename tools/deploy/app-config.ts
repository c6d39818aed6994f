/**
 * What each app in apps/ needs from its environment, read from its own zod config schema
 * (`apps/<app>/src/config.ts` exports `<X>ConfigSchema`), so deploy files are checked against the
 * code rather than against a hand-kept list. Apps are found by listing apps/, so a new service is
 * checked as soon as it exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Read by the logger, not by config schemas; allowed in deploy files besides schema keys. */
export const RUNTIME_ONLY_VARS = new Set(['LOG_FORMAT', 'NODE_OPTIONS']);

/** Every directory of `<root>/apps`, sorted. */
export function listApps(root: string): string[] {
  return fs
    .readdirSync(path.join(root, 'apps'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * Apps that run as a container in another app's pod (Kubernetes) rather than as a Deployment of their
 * own: the sandbox, which must sit beside the runner it serves (a socket and the workspaces volume).
 */
export const SIDECARS: Readonly<Record<string, string>> = { sandbox: 'agent-runner' };

/** The user the sandbox service runs as in deployments: never the runner's (the image's 1000). */
export const SANDBOX_DEPLOY_UID = 10001;

/** Whether the app owns a database (has a Prisma schema, so a migration step). */
export const hasDatabase = (root: string, app: string): boolean =>
  fs.existsSync(path.join(root, 'apps', app, 'prisma', 'schema.prisma'));

/** The app's exported `<X>ConfigSchema`; throws when there is none. */
export function loadConfigSchema(root: string, app: string): z.ZodType {
  const file = path.join(root, 'apps', app, 'src', 'config.ts');
  if (!fs.existsSync(file)) throw new Error(`apps/${app} has no src/config.ts exporting a <X>ConfigSchema`);
  // A plain require: the app is only known at run time.
  const mod = require(file) as Record<string, unknown>;
  const entry = Object.entries(mod).find(
    ([name, value]) => name.endsWith('ConfigSchema') && value instanceof z.ZodType,
  );
  if (!entry) throw new Error(`apps/${app}/src/config.ts exports no <X>ConfigSchema`);
  return entry[1] as z.ZodType;
}

/** The object schema under refinements and transforms (`.superRefine()` keeps the object; `.transform()` pipes it). */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  let s: unknown = schema;
  for (let depth = 0; depth < 5; depth++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    if (s instanceof z.ZodPipe) s = s.in;
    else break;
  }
  throw new Error('config schema is not a zod object (or a pipe from one)');
}

export interface VarInfo {
  /** No default and not optional: the service does not start without it. */
  required: boolean;
  /** The value used when unset (undefined when there is none). */
  fallback: unknown;
}

/** Per variable: required or not, and its default. */
export function describeVars(schema: z.ZodType): Map<string, VarInfo> {
  const out = new Map<string, VarInfo>();
  for (const [key, field] of Object.entries(objectShape(schema))) {
    const r = field.safeParse(undefined);
    out.set(key, { required: !r.success, fallback: r.success ? r.data : undefined });
  }
  return out;
}

const LOOPBACK = /\b(127\.0\.0\.1|localhost)\b/;

/**
 * Variables a container must set although the schema does not require them: those whose default
 * only works on a developer's machine (a loopback URL or bind address), and PUBLIC_URL for every
 * service that registers itself (its default is the loopback address).
 */
export function containerRequiredVars(schema: z.ZodType): string[] {
  const vars = describeVars(schema);
  const out: string[] = [];
  for (const [key, info] of vars) {
    if (info.required) continue;
    const shown = Array.isArray(info.fallback) ? info.fallback.join(',') : String(info.fallback ?? '');
    if (LOOPBACK.test(shown)) out.push(key);
  }
  if (vars.get('REGISTER_WITH_REGISTRY')?.fallback === true) out.push('PUBLIC_URL');
  return out.sort();
}

/** The app's listening port when PORT is unset. */
export function defaultPort(schema: z.ZodType): number {
  const port = describeVars(schema).get('PORT')?.fallback;
  if (typeof port !== 'number') throw new Error('config schema has no PORT default');
  return port;
}

/**
 * Problems the schema finds in `env`, as `KEY: message`, leaving out those about `unknownValue`
 * keys: variables a deploy file provides without their value (Secret references), which can only
 * be judged on the cluster.
 */
export function configProblems(
  schema: z.ZodType,
  env: Record<string, string>,
  unknownValue: ReadonlySet<string> = new Set(),
): string[] {
  const r = schema.safeParse(env);
  if (r.success) return [];
  return r.error.issues
    .filter((i) => !(typeof i.path[0] === 'string' && unknownValue.has(i.path[0]) && i.path[0] in env))
    .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
}

export interface DeployEnv {
  /** The variables a deploy file gives the container (Secret references with a placeholder value). */
  values: Record<string, string>;
  /** Variables whose real value is not in the deploy file (Secret references). */
  unknownValue?: ReadonlySet<string>;
  /** Variables that may be missing at run time (optional Secret references). */
  mayBeAbsent?: ReadonlySet<string>;
  /** Variables that only feed others (`$(POD_IP)`): not checked against the schema's keys. */
  helpers?: ReadonlySet<string>;
}

/**
 * Everything wrong with the environment a deploy file gives `schema`'s service in a container:
 * a required variable missing (or only optionally there), a container-critical one missing
 * (see containerRequiredVars), not production / not listening on all interfaces, a value the
 * schema rejects, or a variable the schema does not know (a typo the schema would silently drop).
 */
export function deployEnvProblems(schema: z.ZodType, env: DeployEnv): string[] {
  const problems: string[] = [];
  const present = (key: string) => key in env.values && !env.mayBeAbsent?.has(key);
  const vars = describeVars(schema);
  for (const [key, info] of vars)
    if (info.required && !present(key)) problems.push(`${key}: required by the config schema, not provided`);
  for (const key of containerRequiredVars(schema))
    if (!present(key)) problems.push(`${key}: its default only works outside a container, not provided`);
  if (env.values.NODE_ENV !== 'production')
    problems.push(`NODE_ENV: must be production, is ${env.values.NODE_ENV ?? 'unset'}`);
  if (env.values.HOST !== '0.0.0.0')
    problems.push(`HOST: must be 0.0.0.0 in a container, is ${env.values.HOST ?? 'unset'}`);
  const parsed = Object.fromEntries(Object.entries(env.values).filter(([k]) => !env.mayBeAbsent?.has(k)));
  problems.push(...configProblems(schema, parsed, env.unknownValue));
  for (const key of Object.keys(env.values)) {
    if (!vars.has(key) && !RUNTIME_ONLY_VARS.has(key) && !env.helpers?.has(key))
      problems.push(`${key}: not a setting of this service (typo?)`);
  }
  return problems;
}

/** `schema`'s value of `key` for `env` (its default when unset). */
export function configValue(schema: z.ZodType, env: Record<string, string>, key: string): unknown {
  const field = objectShape(schema)[key];
  if (!field) throw new Error(`config schema has no ${key}`);
  return field.parse(env[key]);
}
