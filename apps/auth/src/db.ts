import { PrismaPg } from '@prisma/adapter-pg';
import { AppError } from '@platform/service-kit';
import { Prisma, PrismaClient } from './generated/prisma/client';

export type Db = PrismaClient;

/** Prisma client over the pg driver adapter (no native engine). */
export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 3000 }) });
}

const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03']);

/** True when a Prisma error means the database is unreachable rather than the request being wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientInitializationError || err instanceof Prisma.PrismaClientRustPanicError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /ECONNREFUSED|Connection terminated|connect ETIMEDOUT|the database system is (starting up|shutting down)|Can't reach database/i.test(message);
}

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/** Express error middleware: a database outage is a 503 in the envelope, never a 500. */
export function databaseErrors() {
  return (err: unknown, _req: unknown, _res: unknown, next: (e?: unknown) => void) => {
    if (isDatabaseUnavailable(err)) {
      next(new AppError('SERVICE_UNAVAILABLE', 'Database unavailable, try again shortly', { headers: { 'Retry-After': '2' }, cause: err }));
      return;
    }
    next(err);
  };
}
