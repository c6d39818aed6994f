import type { RequestHandler } from 'express';
import { findUnstorableText } from '@platform/contracts';
import { ValidationError } from '../errors';

/**
 * Refuses (400, naming the field) a request whose JSON body or query holds a string PostgreSQL cannot
 * store: a NUL character or an unpaired surrogate. Checked once here for every route of every service,
 * so no handler can pass such a string on to the database (where it was a 500). Header values cannot
 * carry either (node refuses NUL, and decodes headers as latin-1); path parameters are checked by
 * `parseInput`.
 */
export function storableText(): RequestHandler {
  return (req, _res, next) => {
    const issue = findUnstorableText(req.query, 'query') ?? findUnstorableText(req.body, 'body');
    next(issue ? new ValidationError([issue]) : undefined);
  };
}
