import { PrismaClientInitializationError, PrismaClientKnownRequestError } from '@prisma/client/runtime/client';
import type { ErrorRequestHandler } from 'express';
import { AppError } from '@platform/service-kit';

const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

interface MaybeDatabaseError {
  code?: unknown;
  /** Where Prisma's driver adapters keep the server's own SQLSTATE (a P2039 "Database error" wraps it). */
  meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
}

/** True when a Prisma or driver error means the database is unreachable rather than the request being wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof PrismaClientInitializationError) return true;
  const e = err as MaybeDatabaseError | null;
  for (const code of [e?.code, e?.meta?.driverAdapterError?.cause?.originalCode]) {
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  }
  const message = err instanceof Error ? err.message : '';
  // "not queryable": node-postgres refusing a pooled client whose connection broke while the server stopped.
  return /ECONNREFUSED|Connection terminated|connect ETIMEDOUT|the database system is (starting up|shutting down)|Can't reach database|is not queryable|terminating connection due to administrator command/i.test(message);
}

/** True for a unique-constraint violation (Prisma P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof PrismaClientKnownRequestError && err.code === 'P2002';
}

/** True when the row an update or delete targeted does not exist (Prisma P2025). */
export function isRecordNotFound(err: unknown): boolean {
  return err instanceof PrismaClientKnownRequestError && err.code === 'P2025';
}

/** Express error middleware: a database outage is a 503 in the envelope, never a 500. */
export function databaseErrors(): ErrorRequestHandler {
  return (err: unknown, _req, _res, next) => {
    if (isDatabaseUnavailable(err)) {
      next(new AppError('SERVICE_UNAVAILABLE', 'Database unavailable, try again shortly', { headers: { 'Retry-After': '2' }, cause: err }));
      return;
    }
    next(err);
  };
}
