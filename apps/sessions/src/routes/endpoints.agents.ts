import {
  AgentRunRefSchema,
  IdempotencyHeadersSchema,
  SoloGenesisRequestSchema,
  SoloGenesisResponseSchema,
  SoloOrchestratorRequestSchema,
  SoloOrchestratorResponseSchema,
  SoloStatusQuerySchema,
  SoloStatusResponseSchema,
  TddAnalyzeRequestSchema,
  TddAnalyzeResponseSchema,
  TddGenerateRequestSchema,
  TddGenerateResponseSchema,
  TddValidateRequestSchema,
  TddValidateResponseSchema,
  type ApiOperation,
} from '@platform/contracts';
import { z } from 'zod';
import { SESSION_ID, notFound } from './endpoints.shared';

const WAITS =
  'Waits for the run as `?wait=true` does (QUERY_WAIT_MAX_MS): 202 with where to follow the run if it is still going; ' +
  '200 with the run, its status and error if it ended without an answer (failed, cancelled, timed out). ' +
  'With `Idempotency-Key`, a retry with the same body replays the first answer.';
const pending = { description: 'The run is still going: follow it at `links`', schema: AgentRunRefSchema };
const solo = ['agents', 'solo'];
const tdd = ['agents', 'tdd'];
const JEST_OUTPUT = [
  '  ● sum › adds two numbers',
  '',
  '    expect(received).toBe(expected) // Object.is equality',
  '',
  '    Expected: 3',
  '    Received: -1',
  '',
  '      at Object.toBe (sum.test.js:5:23)',
  '',
  'Tests:       1 failed, 2 total',
].join('\n');

/** The seeds' SOLO and TDD agents (`/solo/*`, `/tdd/*`). */
export const AGENT_OPERATIONS: ApiOperation[] = [
  {
    method: 'POST',
    path: '/solo/genesis',
    summary: 'Start a SOLO requirements interview: a new session and its first questions',
    description: `Creates a session of the \`solo-genesis\` template (counted against your quota). ${WAITS}`,
    tags: solo,
    auth: 'user',
    request: {
      headers: IdempotencyHeadersSchema,
      body: SoloGenesisRequestSchema,
      examples: { body: { description: 'A web shop for a bakery with orders, deliveries and staff logins.' } },
    },
    responses: {
      201: { description: 'The session and the interview questions', schema: SoloGenesisResponseSchema },
      200: { description: 'The run ended without an answer', schema: AgentRunRefSchema },
      202: pending,
      404: { description: 'No such channel' },
      429: { description: 'Too many concurrent sessions (`QUOTA_EXCEEDED`)' },
    },
  },
  {
    method: 'POST',
    path: '/solo/orchestrator',
    summary: 'Send an event (answers, a task, feedback) to a SOLO session; it runs as the next query',
    description: 'Queued behind the session\'s active run, if any. The run is the event\'s record: follow it at `links`.',
    tags: solo,
    auth: 'user',
    request: {
      headers: IdempotencyHeadersSchema,
      body: SoloOrchestratorRequestSchema,
      examples: { body: { session_id: SESSION_ID, event: { type: 'task', instruction: 'write README.md: # Bakery shop' } } },
    },
    responses: {
      202: { description: 'The event is queued as a run', schema: SoloOrchestratorResponseSchema },
      400: { description: 'Invalid event, or not a SOLO session' },
      ...notFound,
      409: { description: 'The session is archived' },
    },
  },
  {
    method: 'GET',
    path: '/solo/status',
    summary: 'The SOLO agent and your SOLO sessions (newest 20), or one of them',
    tags: solo,
    auth: 'user',
    request: { query: SoloStatusQuerySchema, examples: { query: {} } },
    responses: { 200: { description: 'Agent status and sessions', schema: SoloStatusResponseSchema }, ...notFound },
  },
  {
    method: 'POST',
    path: '/tdd/analyze',
    summary: 'Analyse test-failure output: failures, likely causes, next steps',
    description: `In \`session_id\` (any session of yours: its working directory is what the model may read) or in a new \`tdd\` session. ${WAITS}`,
    tags: tdd,
    auth: 'user',
    request: { headers: IdempotencyHeadersSchema, body: TddAnalyzeRequestSchema, examples: { body: { test_output: JEST_OUTPUT, language: 'javascript' } } },
    responses: {
      200: { description: 'The analysis, or the run that ended without one', schema: z.union([TddAnalyzeResponseSchema, AgentRunRefSchema]) },
      202: pending,
      ...notFound,
      429: { description: 'Too many concurrent sessions, when a new one is needed (`QUOTA_EXCEEDED`)' },
    },
  },
  {
    method: 'POST',
    path: '/tdd/generate',
    summary: 'Propose a fix for failing tests as a unified diff against the session working directory',
    description: `The patch is a proposal: nothing is applied. A patch that is not a well-formed unified diff with relative paths is dropped (\`patch: ""\`, the reason in \`explanation\`). ${WAITS}`,
    tags: tdd,
    auth: 'user',
    request: { headers: IdempotencyHeadersSchema, body: TddGenerateRequestSchema, examples: { body: { session_id: SESSION_ID, test_output: JEST_OUTPUT } } },
    responses: {
      200: { description: 'The proposed patch, or the run that ended without one', schema: z.union([TddGenerateResponseSchema, AgentRunRefSchema]) },
      202: pending,
      ...notFound,
    },
  },
  {
    method: 'POST',
    path: '/tdd/validate',
    summary: 'Run an allowed test command, by name, in the session working directory',
    description:
      'The runner executes the argv its TDD_TEST_COMMANDS configuration gives the name (no shell, scrubbed environment, ' +
      'TDD_TEST_TIMEOUT_MS, output capped) and reports pass or fail; sessions waits up to TDD_VALIDATE_WAIT_MS.',
    tags: tdd,
    auth: 'user',
    request: { body: TddValidateRequestSchema, examples: { body: { session_id: SESSION_ID, command: 'node-test' } } },
    responses: {
      200: { description: 'How the command ended, with its output', schema: TddValidateResponseSchema },
      400: { description: 'Not an allowed command name (`details.allowed` lists them)' },
      ...notFound,
      409: { description: 'The session has no working directory yet' },
      502: { description: 'The runner could not run the command' },
      504: { description: 'No runner reported a result in time' },
    },
  },
];
