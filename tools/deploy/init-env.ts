/**
 * Writes `.env` for `docker compose up` from `.env.example`, with every `[generated]` secret
 * filled in (random credentials, a fresh ES256 signing key for auth). Refuses to overwrite.
 *
 *   npx tsx tools/deploy/init-env.ts [--out <file>]
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateEnvFile } from './dotenv';

function main(argv: string[]): number {
  const root = path.resolve(__dirname, '..', '..');
  const outIndex = argv.indexOf('--out');
  const out = path.resolve(
    outIndex >= 0 && argv[outIndex + 1] ? (argv[outIndex + 1] as string) : path.join(root, '.env'),
  );
  if (fs.existsSync(out)) {
    process.stderr.write(`${out} exists; not overwriting it (delete it to start over)\n`);
    return 1;
  }
  fs.writeFileSync(out, generateEnvFile(fs.readFileSync(path.join(root, '.env.example'), 'utf8')), { mode: 0o600 });
  process.stdout.write(
    `wrote ${out}: review it (ADMIN_EMAIL, CORS_ORIGINS, provider keys), then: docker compose up -d --build\n`,
  );
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
