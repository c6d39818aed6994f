import type { z } from 'zod';
import type { FieldIssue } from '@platform/contracts';
import { ValidationError } from './errors';

/** Turns zod issues into field paths like `body.email` or `query.limit`. */
export function toFieldIssues(error: z.ZodError, where: string): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
    code: i.code,
  }));
}

/** Parses `value` with `schema`, or throws a 400 ValidationError naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error, where));
  return result.data;
}
