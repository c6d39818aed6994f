import { PrismaClientInitializationError, PrismaClientKnownRequestError } from '@prisma/client/runtime/client';
import type { ErrorRequestHandler } from 'express';
import { AppError } from '@platform/service-kit';

const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03']);

/** True when a Prisma or driver error means the database is unreachable rather than the request being wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof PrismaClientInitializationError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /ECONNREFUSED|Connection terminated|connect ETIMEDOUT|the database system is (starting up|shutting down)|Can't reach database/i.test(message);
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
