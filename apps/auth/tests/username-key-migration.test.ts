/**
 * The migration that makes usernames unique case-insensitively, run on a database that already has
 * accounts whose usernames differ only in case (the state before it), with plain SQL as deploy runs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, findRepoRoot, type TestDatabase } from '@platform/testing';

const MIGRATIONS = path.join(findRepoRoot(), 'apps', 'auth', 'prisma', 'migrations');
const sqlOf = (name: string) => fs.readFileSync(path.join(MIGRATIONS, name, 'migration.sql'), 'utf8');
const dirs = fs.readdirSync(MIGRATIONS).filter((d) => fs.existsSync(path.join(MIGRATIONS, d, 'migration.sql'))).sort();
const TARGET = dirs.find((d) => d.endsWith('_token_revocation_and_username_key'))!;

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('auth-username-key', { migrate: false });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  for (const d of dirs.filter((d) => d < TARGET)) await client.query(sqlOf(d));
  const rows: Array<[string, string, string]> = [
    ['ada@x.test', 'Ada', '5 days'],
    ['ada2@x.test', 'ada', '4 days'],
    ['ada3@x.test', 'ADA', '3 days'],
    ['taken@x.test', 'ada-2', '6 days'],
    ['long@x.test', 'abcdefghijklmnopqrstuvwxyz012345', '2 days'],
    ['long2@x.test', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', '1 day'],
    ['solo@x.test', 'Solo.Name', '1 day'],
  ];
  for (const [email, username, age] of rows) {
    await client.query(
      `INSERT INTO users (id, email, username, password_hash, created_at, updated_at) VALUES (gen_random_uuid(), $1, $2, 'h', now() - $3::interval, now())`,
      [email, username, age],
    );
  }
  await client.query(sqlOf(TARGET));
}, 60_000);

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const usernames = async () =>
  Object.fromEntries((await client.query<{ email: string; username: string }>('SELECT email, username FROM users')).rows.map((r) => [r.email, r.username]));

it('keeps the oldest name, gives later case-duplicates the lowest free suffix in their own case, and leaves the rest alone', async () => {
  expect(await usernames()).toEqual({
    'ada@x.test': 'Ada',
    'ada2@x.test': 'ada-3',
    'ada3@x.test': 'ADA-4',
    'taken@x.test': 'ada-2',
    'long@x.test': 'abcdefghijklmnopqrstuvwxyz012345',
    'long2@x.test': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123-2',
    'solo@x.test': 'Solo.Name',
  });
});

it('records every rename in the audit log', async () => {
  const { rows } = await client.query<{ details: { from: string; to: string } }>(
    `SELECT details FROM auth_audit_log WHERE event = 'username_changed_by_migration' ORDER BY details->>'from'`,
  );
  expect(rows.map((r) => [r.details.from, r.details.to])).toEqual([
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123-2'],
    ['ADA', 'ADA-4'],
    ['ada', 'ada-3'],
  ]);
});

it('refuses from then on a username that differs from another only in case', async () => {
  await expect(
    client.query(`INSERT INTO users (id, email, username, username_key, password_hash) VALUES (gen_random_uuid(), 'new@x.test', 'SOLO.name', 'solo.name', 'h')`),
  ).rejects.toThrow(/users_username_key_key/);
  await expect(
    client.query(`INSERT INTO users (id, email, username, username_key, password_hash) VALUES (gen_random_uuid(), 'new2@x.test', 'Fresh', 'Fresh', 'h')`),
  ).rejects.toThrow(/users_username_key_lowercase_check/);
});
