import { failure, firstLocation, valuesIn, type ParsedTestOutput } from './parse-helpers';
import { parseJest, parseNodeTest } from './parse-js';
import { parseGo, parsePytest } from './parse-py-go';

export type { ParsedTestOutput } from './parse-helpers';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Reads failing tests out of jest, node:test (TAP or spec), pytest or `go test` output; any other output gets a best guess. */
export function parseTestOutput(output: string): ParsedTestOutput {
  const lines = output.replace(ANSI, '').split(/\r?\n/);
  // A framework's summary may show up without failures (everything passed): prefer one that found some.
  const recognised = [parseJest, parsePytest, parseGo, parseNodeTest].flatMap((parse) => parse(lines) ?? []);
  return recognised.find((p) => p.failures.length > 0) ?? recognised[0] ?? parseGeneric(lines);
}

/** No framework recognised: one failure from the first error line and the first location, if anything looks like one. */
function parseGeneric(lines: string[]): ParsedTestOutput {
  const errorLine = lines.find((l) => /\b(error|exception|fail(ed|ure)?|assert)/i.test(l) && !/^\s*at\s/.test(l));
  const loc = firstLocation(lines);
  if (!errorLine && !loc) return { framework: null, failures: [], totals: null };
  const message = (errorLine ?? lines.find((l) => l.trim() !== '') ?? '').trim();
  const values = valuesIn(message);
  return {
    framework: null,
    failures: [failure({ test: 'unknown test', message, file: loc?.file ?? null, line: loc?.line ?? null, ...values })],
    totals: null,
  };
}
