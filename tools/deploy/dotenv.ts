/**
 * The parts of Docker Compose's `.env` handling and `${VAR}` interpolation that the platform's
 * compose file uses, so tests can read docker-compose.yml the way `docker compose` would, and the
 * generator that fills in `.env.example`'s `[generated]` secrets.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface EnvEntry {
  key: string;
  value: string;
  /** The comment lines right above the variable. */
  doc: string[];
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2)
    return v.slice(1, -1).replace(/\\([nrt\\"$])/g, (_, c: string) => ESCAPES[c] ?? c);
  if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) return v.slice(1, -1);
  return v.replace(/\s+#.*$/, '');
}

/** `KEY=value` lines (`export` allowed; double quotes with `\n` escapes, single quotes literal), with their comments. */
export function parseDotenv(text: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  let doc: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      doc.push(trimmed.replace(/^#\s?/, ''));
      continue;
    }
    if (!trimmed) {
      doc = [];
      continue;
    }
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(trimmed);
    if (!m) throw new Error(`not a KEY=value line: ${trimmed}`);
    entries.push({ key: m[1] as string, value: unquote(m[2] as string), doc });
    doc = [];
  }
  return entries;
}

const REFERENCE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every variable a string refers to (`${VAR…}` or `$VAR`, defaults included). */
export function referencedVars(text: string): string[] {
  return [...text.matchAll(REFERENCE)].flatMap((m) => {
    const name = m[1] ?? m[4];
    return name === undefined ? [] : [name, ...referencedVars(m[3] ?? '')];
  });
}

/** Compose's interpolation of one string: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR:+alt}`, `$VAR`, `$$`. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    REFERENCE,
    (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = env[name];
      const unset = value === undefined;
      const empty = unset || value === '';
      switch (op) {
        case ':-':
          return empty ? interpolate(arg ?? '', env) : (value as string);
        case '-':
          return unset ? interpolate(arg ?? '', env) : (value as string);
        case ':?':
        case '?':
          if (op === ':?' ? empty : unset) throw new Error(`${name}: ${arg || 'required variable is missing a value'}`);
          return value as string;
        case ':+':
          return empty ? '' : interpolate(arg ?? '', env);
        case '+':
          return unset ? '' : interpolate(arg ?? '', env);
        case undefined:
        default:
          return value ?? '';
      }
    },
  );
}

/** Interpolates every string in a parsed compose document (keys stay as they are). */
export function interpolateDeep<T>(value: T, env: Record<string, string | undefined>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolateDeep(v, env)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  return value;
}

/** Secrets here contain a letter and a digit and nothing that needs escaping in a URL. */
const secret = (): string => `k${randomBytes(24).toString('hex')}7`;

function generated(key: string): string {
  if (key === 'JWT_PRIVATE_KEY') {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    return `"${pem.trim().replace(/\n/g, '\\n')}\\n"`;
  }
  return secret();
}

/** `.env.example` with every empty `[generated]` variable given a fresh value; everything else kept as written. */
export function generateEnvFile(example: string): string {
  const toFill = new Set(
    parseDotenv(example)
      .filter((e) => e.value === '' && e.doc.some((d) => d.includes('[generated]')))
      .map((e) => e.key),
  );
  return example
    .split('\n')
    .map((line) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=$/.exec(line.trim());
      return m && toFill.has(m[1] as string) ? `${m[1]}=${generated(m[1] as string)}` : line;
    })
    .join('\n');
}
