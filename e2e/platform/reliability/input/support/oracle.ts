import fs from 'node:fs';
import path from 'node:path';
import { ErrorEnvelopeSchema } from '@platform/contracts';
import { findRepoRoot } from '@platform/testing';
import type { RawAnswer, RawCase } from './raw-client';

/** Why an answer breaks the contract, or undefined when it keeps it. */
export function verdict(a: RawAnswer): string | undefined {
  if (a.status === -1) return undefined;
  if (a.status === 0) return `no answer: ${a.error ?? 'connection closed'}`;
  if (a.status >= 500) return `${a.status}: ${a.text.slice(0, 300)}`;
  // Fuzzed bodies carry `{"__proto__":{"polluted":1}}`: an accepted answer showing the key means it took.
  if (a.status < 400)
    return /"polluted"\s*:/.test(a.text)
      ? `${a.status} answer carries a polluted key: ${a.text.slice(0, 300)}`
      : undefined;
  let json: unknown;
  try {
    json = JSON.parse(a.text);
  } catch {
    return `${a.status} without a JSON body: ${JSON.stringify(a.text.slice(0, 200))}`;
  }
  const envelope = ErrorEnvelopeSchema.safeParse(json);
  if (!envelope.success) return `${a.status} not in the error envelope: ${a.text.slice(0, 300)}`;
  if (envelope.data.request_id !== a.headers['x-request-id'])
    return `${a.status} envelope request_id ${envelope.data.request_id} differs from X-Request-Id ${String(a.headers['x-request-id'])}`;
  return undefined;
}

/** A broken answer with what reproduces it. */
export interface Failure {
  group: string;
  index: number;
  why: string;
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string;
}

interface GroupTally {
  cases: number;
  statuses: Record<string, number>;
}

/** Counts cases and answers per endpoint group, and keeps every failure. */
export class Tally {
  readonly groups: Record<string, GroupTally> = {};
  readonly failures: Failure[] = [];
  requests = 0;
  unsendable = 0;

  record(group: string, index: number, c: RawCase, a: RawAnswer): void {
    const g = (this.groups[group] ??= { cases: 0, statuses: {} });
    g.cases += 1;
    if (a.status === -1) {
      this.unsendable += 1;
      return;
    }
    this.requests += 1;
    const key = a.status === 0 ? 'no-answer' : String(a.status);
    g.statuses[key] = (g.statuses[key] ?? 0) + 1;
    const why = verdict(a);
    if (why)
      this.failures.push({
        group,
        index,
        why,
        method: c.method,
        target: c.target.slice(0, 500),
        headers: clip(c.headers),
        body: c.body?.subarray(0, 500).toString('latin1'),
      });
  }

  get cases(): number {
    return Object.values(this.groups).reduce((n, g) => n + g.cases, 0);
  }

  /** Cases per service, given each group's service (groups no endpoint names, such as WebSocket probes, count as `other`). */
  byService(serviceOf: Record<string, string>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [group, g] of Object.entries(this.groups)) {
      const service = serviceOf[group] ?? 'other';
      out[service] = (out[service] ?? 0) + g.cases;
    }
    return out;
  }

  /** Everything a report needs: totals, answers by status, cases per service and per group, the first failures. */
  summary(serviceOf: Record<string, string>) {
    return {
      cases: this.cases,
      requests: this.requests,
      unsendable: this.unsendable,
      statuses: this.statuses(),
      failures: this.failures.length,
      by_service: this.byService(serviceOf),
      groups: this.groups,
      first_failures: this.failures.slice(0, 50),
    };
  }

  /** Answers by status across every group. */
  statuses(): Record<string, number> {
    const all: Record<string, number> = {};
    for (const g of Object.values(this.groups))
      for (const [s, n] of Object.entries(g.statuses)) all[s] = (all[s] ?? 0) + n;
    return all;
  }
}

const clip = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.length > 200 ? `${v.slice(0, 200)}…(${v.length})` : v]));

/** Writes `data` as JSON to `test-output/reliability/<name>.json` and returns the path. */
export function writeReport(name: string, data: unknown): string {
  const file = path.join(findRepoRoot(), 'test-output', 'reliability', `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
