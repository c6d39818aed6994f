import { OpenAiProvider, type OpenAiOptions } from '../src/providers/openai';
import type { ConversationMessage, TurnRequest } from '../src/providers/types';
import { FakeLlmServer, openAiSse } from './support/fake-llm-server';

const conversation: ConversationMessage[] = [
  { role: 'user', content: [{ type: 'text', text: 'Read a.txt' }] },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Reading.' },
      { type: 'tool_use', id: 'call_prev', name: 'read_file', input: { path: 'a.txt' } },
      { type: 'tool_use', id: 'call_deny', name: 'write_file', input: { path: 'b.txt', content: 'x' } },
    ],
  },
  {
    role: 'tool',
    content: [
      { type: 'tool_result', tool_use_id: 'call_prev', content: 'hello', is_error: false },
      { type: 'tool_result', tool_use_id: 'call_deny', content: 'Permission denied: no', is_error: true },
    ],
  },
];

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  usage: null,
});
const usageChunk = {
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [],
  usage: { prompt_tokens: 120, completion_tokens: 33, total_tokens: 153 },
};

const toolCallStream = openAiSse([
  chunk({ role: 'assistant', content: '', refusal: null }),
  chunk({ content: 'Let me' }),
  chunk({ content: ' look.' }),
  chunk({
    tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'read_file', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"pa' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'th": "a.txt"}' } }] }),
  chunk({
    tool_calls: [{ index: 1, id: 'call_def', type: 'function', function: { name: 'list_files', arguments: '{}' } }],
  }),
  chunk({}, 'tool_calls'),
  usageChunk,
]);

describe('OpenAiProvider against a local chat-completions server', () => {
  const server = new FakeLlmServer();
  let baseUrl: string;
  let texts: string[];

  beforeAll(async () => {
    baseUrl = `${await server.start()}/v1`;
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    texts = [];
    server.requests.length = 0;
  });

  const provider = (over: Partial<OpenAiOptions> = {}) =>
    new OpenAiProvider({
      apiKey: 'sk-test',
      baseUrl,
      timeoutMs: 5000,
      maxTokensField: 'max_completion_tokens',
      ...over,
    });
  const request = (over: Partial<TurnRequest> = {}): TurnRequest => ({
    requestId: 'run-9:2',
    model: 'gpt-4o-mini',
    system: 'You are terse.',
    messages: conversation,
    tools: [
      {
        name: 'read_file',
        description: 'Read a file',
        inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    ],
    maxTokens: 512,
    signal: new AbortController().signal,
    onText: async (t) => void texts.push(t),
    ...over,
  });

  it('sends a streaming request with the bearer key, function tools, usage option and mapped conversation', async () => {
    server.reply({ sse: toolCallStream });
    await provider().streamTurn(request());
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(req?.headers.authorization).toBe('Bearer sk-test');
    expect(req?.body).toEqual({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 512,
      tools: [
        {
          type: 'function',
          function: {
            name: 'read_file',
            description: 'Read a file',
            parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
          },
        },
      ],
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Read a.txt' },
        {
          role: 'assistant',
          content: 'Reading.',
          tool_calls: [
            { id: 'call_prev', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } },
            {
              id: 'call_deny',
              type: 'function',
              function: { name: 'write_file', arguments: '{"path":"b.txt","content":"x"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_prev', content: 'hello' },
        { role: 'tool', tool_call_id: 'call_deny', content: 'Error: Permission denied: no' },
      ],
    });
  });

  it('streams content deltas, assembles streamed tool-call arguments by index, and reads the usage chunk', async () => {
    server.reply({ sse: toolCallStream });
    const result = await provider().streamTurn(request());
    expect(texts).toEqual(['Let me', ' look.']);
    expect(result).toEqual({
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'call_abc', name: 'read_file', input: { path: 'a.txt' } },
        { type: 'tool_use', id: 'call_def', name: 'list_files', input: {} },
      ],
      usage: { input_tokens: 120, output_tokens: 33 },
      stopReason: 'tool_use',
    });
  });

  it('maps finish reasons of plain answers', async () => {
    server.reply(
      { sse: openAiSse([chunk({ content: 'Done.' }), chunk({}, 'stop'), usageChunk]) },
      { sse: openAiSse([chunk({ content: 'Cut' }), chunk({}, 'length')]) },
    );
    await expect(provider().streamTurn(request())).resolves.toMatchObject({
      stopReason: 'end_turn',
      content: [{ type: 'text', text: 'Done.' }],
    });
    await expect(provider().streamTurn(request())).resolves.toMatchObject({
      stopReason: 'max_tokens',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });

  it('talks to a keyless local server (Ollama style): no Authorization, max_tokens, whole tool calls without index or id', async () => {
    server.reply({
      sse: openAiSse([
        chunk({
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'list_files', arguments: '{"path":"."}' } }],
        }),
        chunk({}, 'stop'),
      ]),
    });
    const result = await provider({ apiKey: undefined, maxTokensField: 'max_tokens' }).streamTurn(request());
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).toMatchObject({ max_tokens: 512 });
    expect(server.requests[0]?.body).not.toHaveProperty('max_completion_tokens');
    expect(result).toMatchObject({
      stopReason: 'tool_use',
      content: [{ type: 'tool_use', id: 'call_run-9:2_0', name: 'list_files', input: { path: '.' } }],
    });
  });

  it('maps HTTP errors: 401 is final with the API message, 503 is retryable', async () => {
    server.reply(
      {
        status: 401,
        json: {
          error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
        },
      },
      { status: 503, json: { error: { message: 'The server is overloaded', type: 'server_error' } } },
    );
    await expect(provider().streamTurn(request())).rejects.toMatchObject({
      status: 401,
      retryable: false,
      message: 'openai answered 401: Incorrect API key provided',
    });
    await expect(provider().streamTurn(request())).rejects.toMatchObject({ status: 503, retryable: true });
  });

  it('treats a stream cut off before any finish_reason as a retryable failure', async () => {
    server.reply({ sse: openAiSse([chunk({ content: 'Half' })], false) });
    await expect(provider().streamTurn(request())).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/before a finish_reason/),
    });
  });
});
