// Jest globalTeardown of every project (jest.preset.js): removes what the resources shared between
// test files left behind (noted by libs/testing workerShared in the run directory): their processes
// (already gone when their worker exited, unless the run was in band), databases, Redis keys and
// directories.
const fs = require('node:fs');
const path = require('node:path');

async function dropDatabases(databases) {
  const pg = require('pg');
  for (const { serverUrl, name } of databases) {
    const client = new pg.Client({ connectionString: serverUrl });
    try {
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
    } catch (err) {
      process.stderr.write(`global teardown: could not drop database ${name}: ${err.message}\n`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function deletePrefixes(prefixes) {
  const { Redis } = require('ioredis');
  for (const { url, prefix } of prefixes) {
    if (!prefix) continue;
    const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      const match = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    } catch (err) {
      process.stderr.write(`global teardown: could not delete Redis keys ${prefix}*: ${err.message}\n`);
    } finally {
      redis.disconnect();
    }
  }
}

const root = path.resolve(__dirname, '..', '..');

/** A pid noted by a worker may be reused once that worker is gone: only a process started from this checkout is ours. */
function isOurs(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`) === root && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return false;
  }
}

module.exports = async function globalTeardown() {
  const dir = process.env.TEST_RUN_DIR;
  if (!dir || !fs.existsSync(dir)) return;
  const leftovers = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('leftovers-'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  for (const pid of leftovers.flatMap((l) => l.pids)) if (isOurs(pid)) process.kill(pid, 'SIGKILL');
  await Promise.all([
    dropDatabases(leftovers.flatMap((l) => l.databases)),
    deletePrefixes(leftovers.flatMap((l) => l.redisPrefixes)),
    ...leftovers.flatMap((l) => l.dirs).map((d) => fs.promises.rm(d, { recursive: true, force: true })),
  ]);
  fs.rmSync(dir, { recursive: true, force: true });
  if (process.env.TEST_PREPARE_VERBOSE) {
    const count = (k) => leftovers.reduce((n, l) => n + l[k].length, 0);
    process.stdout.write(`shared resources removed: ${count('databases')} databases, ${count('redisPrefixes')} Redis prefixes, ${count('dirs')} directories\n`);
  }
};
