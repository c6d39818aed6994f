import { z } from 'zod';
import { ValidationError } from '@platform/service-kit';

export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

/** Opaque cursor for keyset pagination on (created_at, id). */
export function encodeCursor(p: KeysetPosition): string {
  return Buffer.from(JSON.stringify([p.createdAt.toISOString(), p.id])).toString('base64url');
}

// Exactly what encodeCursor writes: anything else (a non-UUID id, a year Postgres cannot store) must not reach a query.
const CursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

/** Reads a cursor made by encodeCursor, or throws a 400 naming `query.cursor`. */
export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const [at, id] = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { createdAt: new Date(at), id };
  } catch {
    throw new ValidationError([{ path: 'query.cursor', message: 'is not a valid cursor', code: 'custom' }]);
  }
}

/** Cuts a `limit + 1` fetch into a page and the cursor of the next one. */
export function pageFrom<R extends KeysetPosition, T>(rows: R[], limit: number, map: (r: R) => T): { items: T[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(map), next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** Prisma `where` fragment for rows after a cursor, newest first. */
export function afterCursor(p: KeysetPosition | undefined) {
  return p ? { OR: [{ createdAt: { lt: p.createdAt } }, { createdAt: p.createdAt, id: { lt: p.id } }] } : {};
}
