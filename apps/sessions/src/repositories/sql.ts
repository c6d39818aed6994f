import type pg from 'pg';

/** Runs SQL with `$n` parameters and returns the rows: one pooled connection, inside a transaction. */
export interface Sql {
  query<T>(text: string, values?: unknown[]): Promise<T[]>;
}

// Every statement text gets one name, so each connection parses and plans it once (a prepared statement).
// Prisma shares these connections; its adapter sends unnamed statements, so the names cannot collide.
const names = new Map<string, string>();
const nameOf = (text: string): string => {
  let name = names.get(text);
  if (!name) {
    name = `platform_sql_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
};

/**
 * Runs `fn` in one transaction on a connection of `pool`: committed when it resolves, rolled back when it
 * throws. A connection whose transaction could not even roll back is discarded rather than reused.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const sql: Sql = {
    query: async <R>(text: string, values: unknown[] = []) => (await client.query({ name: nameOf(text), text, values })).rows as R[],
  };
  let discard: Error | undefined;
  // The connection may break between two statements (the server stopped): without a listener that is an
  // unhandled 'error' event; the next statement fails anyway, and the connection is not reused.
  const broke = (err: Error) => {
    discard = err;
  };
  client.on('error', broke);
  try {
    await client.query('BEGIN');
    const result = await fn(sql);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((failed: Error) => {
      discard = failed;
    });
    throw err;
  } finally {
    client.off('error', broke);
    client.release(discard);
  }
}

/** The SQLSTATE of a driver error (`23505`…), if it is one. */
export const sqlState = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** `Sql` on the pool itself: each statement on whichever connection is free, in its own implicit transaction. */
export function pooled(pool: pg.Pool): Sql {
  return { query: async <R>(text: string, values: unknown[] = []) => (await pool.query({ name: nameOf(text), text, values })).rows as R[] };
}
