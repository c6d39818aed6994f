import pg from 'pg';

/** A PostgreSQL identifier, double-quoted. */
export const quote = (ident: string): string => `"${ident.replace(/"/g, '""')}"`;

/** Runs `fn` on a short-lived connection to `serverUrl` (the server's maintenance database). */
export async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
