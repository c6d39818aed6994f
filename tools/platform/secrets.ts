import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PlatformError } from './errors';

/** Generated on the first `npm start` into `.data/dev-secrets.json` (mode 0600) and reused after. */
export interface DevSecrets {
  registryToken: string;
  /** ES256 (EC P-256) private key, PKCS8 PEM. */
  jwtPrivateKey: string;
  adminPassword: string;
  /** Password of the embedded PostgreSQL's `postgres` user, fixed when its data folder is created. */
  postgresPassword: string;
  /** Client id → secret. */
  serviceClients: Record<string, string>;
}

export interface SecretGenerators {
  token: () => string;
  privateKey: () => string;
  password: () => string;
}

// No look-alike characters (0/o, 1/l/i), so the password can be read off a screen and typed.
const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A password like `k7mzq-4rtw9-bx2fh-n8pca`: 23 characters, about 99 bits, always with a letter and a digit. */
export function generateReadablePassword(pick: (n: number) => number = (n) => crypto.randomInt(n)): string {
  for (;;) {
    const groups = Array.from({ length: 4 }, () =>
      Array.from({ length: 5 }, () => PASSWORD_ALPHABET[pick(PASSWORD_ALPHABET.length)]).join(''),
    );
    const password = groups.join('-');
    if (/[a-z]/.test(password) && /[0-9]/.test(password)) return password;
  }
}

export const defaultGenerators: SecretGenerators = {
  token: () => crypto.randomBytes(32).toString('hex'),
  privateKey: () =>
    crypto
      .generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  password: () => generateReadablePassword(),
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Keeps every usable secret of `stored` (the parsed file, or undefined) and generates the missing
 * ones, including a secret for each of `clientIds`; `changed` says whether the file must be rewritten.
 */
export function completeSecrets(
  stored: unknown,
  clientIds: string[],
  gen: SecretGenerators = defaultGenerators,
): { secrets: DevSecrets; changed: boolean } {
  const old = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>;
  const oldClients = (
    typeof old['serviceClients'] === 'object' && old['serviceClients'] !== null ? old['serviceClients'] : {}
  ) as Record<string, unknown>;
  const serviceClients: Record<string, string> = {};
  for (const [id, secret] of Object.entries(oldClients)) {
    if (text(secret)) serviceClients[id] = secret as string;
  }
  for (const id of clientIds) serviceClients[id] ??= gen.token();
  const secrets: DevSecrets = {
    registryToken: text(old['registryToken']) ?? gen.token(),
    jwtPrivateKey: text(old['jwtPrivateKey']) ?? gen.privateKey(),
    adminPassword: text(old['adminPassword']) ?? gen.password(),
    postgresPassword: text(old['postgresPassword']) ?? gen.token(),
    serviceClients,
  };
  return { secrets, changed: JSON.stringify(secrets) !== JSON.stringify(stored) };
}

function readStored(file: string): unknown {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new PlatformError(`${file} is not valid JSON`, [
      'fix it, or delete it to generate new secrets (then also delete .data/postgres: its password is in that file)',
    ]);
  }
}

/** Reads the dev secrets from `file`, generating and saving (mode 0600) what is missing. */
export function loadDevSecrets(file: string, clientIds: string[]): { secrets: DevSecrets; created: boolean } {
  const stored = readStored(file);
  const { secrets, changed } = completeSecrets(stored, clientIds);
  if (changed) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return { secrets, created: stored === undefined };
}
