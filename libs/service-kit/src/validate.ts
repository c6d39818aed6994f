import type { z } from 'zod';
import { findUnstorableText, type FieldIssue } from '@platform/contracts';
import { ValidationError } from './errors';

/** Turns zod issues into field paths like `body.email` or `query.limit`. */
export function toFieldIssues(error: z.ZodError, where: string): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
    code: i.code,
  }));
}

/**
 * Parses `value` with `schema`, or throws a 400 ValidationError naming each bad field. A string
 * PostgreSQL cannot store (NUL, an unpaired surrogate) is a bad field whatever the schema says.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.output<S> {
  const unstorable = findUnstorableText(value, where);
  if (unstorable) throw new ValidationError([unstorable]);
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error, where));
  return result.data;
}
