import type { Endpoint } from '../registry';
import type { ApiOperation } from './operation';

/** The registry's endpoint list (`/api/endpoints`, `/api/discovery`) derived from documented operations. */
export function endpointsFromOperations(operations: readonly ApiOperation[]): Endpoint[] {
  return operations.map((op) => ({
    method: op.stream === 'websocket' ? 'WS' : op.method,
    path: op.path,
    description: (op.auth === 'admin' && !/admin/i.test(op.summary) ? `${op.summary} (admin)` : op.summary).slice(
      0,
      500,
    ),
    tags: op.tags,
    public: op.auth === 'public' || op.auth === 'optional',
  }));
}

/** Problems with the examples operations carry: each must pass the schema it illustrates. */
export function exampleProblems(operations: readonly ApiOperation[]): string[] {
  const problems: string[] = [];
  for (const op of operations) {
    const ex = op.request?.examples;
    if (!ex) continue;
    for (const part of ['params', 'query', 'body', 'headers'] as const) {
      const schema = op.request?.[part];
      if (ex[part] === undefined || !schema) continue;
      const result = schema.safeParse(ex[part]);
      if (!result.success) problems.push(`${op.method} ${op.path} ${part}: ${result.error.message}`);
    }
  }
  return problems;
}
