import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import winston from 'winston';
import request from 'supertest';
import { createLogger } from '@platform/service-kit';
import type { RunEvent } from '@platform/contracts';
import type { RunHook } from '../src/hooks';
import { RunnerHarness } from './support/harness';

jest.setTimeout(30_000);

const h = new RunnerHarness();
beforeAll(() => h.start());
afterAll(() => h.close());

/** A logger at info level whose JSON lines are kept in memory. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ service: 'agent-runner-test', level: 'info', pretty: false });
  logger.clear().add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}

describe('hooks in a real run', () => {
  it('prices every turn (cost), logs every decision (audit), counts (metrics) and calls hooks added beside them', async () => {
    const { logger, lines } = capturingLogger();
    const points: string[] = [];
    const extra: RunHook = {
      name: 'extra',
      beforeQuery: (_r, q) => void points.push(`before_query:${q.turn}`),
      afterTool: (_r, t) => void points.push(`after_tool:${t.call.name}`),
      afterRun: (_r, outcome) => void points.push(`after_run:${outcome}`),
    };
    const prices = { 'offline-echo-1': { input_per_mtok: 3, output_per_mtok: 15 } };
    const runner = await h.startRunner({ MODEL_PRICES: JSON.stringify(prices) }, { hooks: [extra], logger });

    const events = await h.query(randomUUID(), 'list the files');

    const turns = events.filter(
      (e): e is Extract<RunEvent, { type: 'message_complete' }> =>
        e.type === 'message_complete' && e.data.role === 'assistant',
    );
    const perTurn = turns.map((e) => (e.data.usage!.input_tokens * 3 + e.data.usage!.output_tokens * 15) / 1e6);
    const completed = events.at(-1);
    expect(completed?.type).toBe('run_completed');
    expect(completed?.type === 'run_completed' && completed.data.cost_usd).toBeCloseTo(perTurn[0]! + perTurn[1]!, 8);

    const audit = lines.filter((l) => typeof l.audit === 'string');
    expect(audit.map((l) => l.audit)).toEqual([
      'query_started',
      'query_finished',
      'tool_decided',
      'tool_finished',
      'query_started',
      'query_finished',
      'run_ended',
    ]);
    expect(audit.find((l) => l.audit === 'tool_decided')).toMatchObject({
      run_id: completed?.run_id,
      tool: 'list_files',
      decision: 'allow',
      decided_by: 'mode:default',
      reason: null,
    });
    expect(audit.at(-1)).toMatchObject({ outcome: 'completed', turns: 2 });
    expect(points).toEqual(['before_query:1', 'after_tool:list_files', 'before_query:2', 'after_run:completed']);

    const metrics = await request(runner.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/agent_run_cost_usd_total\{[^}]*model="offline-echo-1"[^}]*\} 0\.0/);
    expect(metrics.text).toMatch(/agent_tool_calls_total\{tool="list_files",decision="allow"[^}]*\} 1/);
  });
});
