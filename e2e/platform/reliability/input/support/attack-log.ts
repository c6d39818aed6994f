import pg from 'pg';
import { verdict } from './oracle';
import { send, type RawAnswer, type RawCase } from './raw-client';

/** Counts attempts per attack and every request the test process sends (JSON clients use fetch, raw ones `send`). */
export class AttackLog {
  readonly attacks: Record<string, { attempts: number; refused: number }> = {};
  private fetches = 0;
  private raw = 0;
  private readonly realFetch = globalThis.fetch;

  constructor() {
    globalThis.fetch = (...args: Parameters<typeof fetch>) => {
      this.fetches += 1;
      return this.realFetch(...args);
    };
  }

  get requests(): number {
    return this.fetches + this.raw;
  }

  /** Notes one attempt of `attack` and whether it was refused. */
  note(attack: string, refused: boolean): void {
    const a = (this.attacks[attack] ??= { attempts: 0, refused: 0 });
    a.attempts += 1;
    if (refused) a.refused += 1;
  }

  /** Sends `c` raw to `baseUrl` and notes it under `attack` as refused when it got `status` in the error envelope. */
  async attempt(attack: string, baseUrl: string, c: RawCase, status: number): Promise<RawAnswer & { code?: string }> {
    this.raw += 1;
    const res = await send(baseUrl, c);
    this.note(attack, res.status === status && verdict(res) === undefined);
    return { ...res, ...(res.status >= 400 ? { code: errorCodeOf(res.text) } : {}) };
  }

  restore(): void {
    globalThis.fetch = this.realFetch;
  }
}

function errorCodeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error_code?: string }).error_code;
  } catch {
    return undefined;
  }
}

/** The rows of auth's audit log about `userId`, oldest first. */
export async function authAudit(
  databaseUrl: string,
  userId: string,
): Promise<Array<{ event: string; details: Record<string, unknown> }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ event: string; details: Record<string, unknown> }>(
      'SELECT event, details FROM auth_audit_log WHERE user_id = $1 ORDER BY created_at, id',
      [userId],
    );
    return rows;
  } finally {
    await client.end();
  }
}
