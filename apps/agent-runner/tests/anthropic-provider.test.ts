import { AnthropicProvider } from '../src/providers/anthropic';
import { ProviderError, type ConversationMessage, type TurnRequest } from '../src/providers/types';
import { FakeLlmServer, anthropicSse } from './support/fake-llm-server';

const conversation: ConversationMessage[] = [
  { role: 'user', content: [{ type: 'text', text: 'What is in src?' }] },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Looking.' },
      { type: 'tool_use', id: 'toolu_prev', name: 'list_files', input: { path: '.' } },
    ],
  },
  { role: 'tool', content: [{ type: 'tool_result', tool_use_id: 'toolu_prev', content: 'src/', is_error: false }] },
  { role: 'user', content: [{ type: 'text', text: 'And inside it?' }] },
];

const toolUseStream = anthropicSse([
  {
    type: 'message_start',
    message: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 472, cache_creation_input_tokens: 0, cache_read_input_tokens: 8, output_tokens: 2 },
    },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'ping' },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: "I'll list" } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' the files.' } },
  { type: 'content_block_stop', index: 0 },
  {
    type: 'content_block_start',
    index: 1,
    content_block: { type: 'tool_use', id: 'toolu_01A', name: 'list_files', input: {} },
  },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"path": "sr' } },
  {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: 'c", "recursive": true}' },
  },
  { type: 'content_block_stop', index: 1 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } },
  { type: 'message_stop' },
]);

describe('AnthropicProvider against a local Messages API', () => {
  const server = new FakeLlmServer();
  let baseUrl: string;
  let texts: string[];

  beforeAll(async () => {
    baseUrl = await server.start();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    texts = [];
    server.requests.length = 0;
  });

  const provider = (path = '') =>
    new AnthropicProvider({
      apiKey: 'sk-ant-test',
      baseUrl: `${baseUrl}${path}`,
      version: '2023-06-01',
      timeoutMs: 5000,
    });
  const request = (over: Partial<TurnRequest> = {}): TurnRequest => ({
    requestId: 'run:1',
    model: 'claude-sonnet-4-5',
    system: 'You are terse.',
    messages: conversation,
    tools: [
      {
        name: 'list_files',
        description: 'List files',
        inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
      },
    ],
    maxTokens: 1024,
    signal: new AbortController().signal,
    onText: async (t) => void texts.push(t),
    ...over,
  });

  it('sends a streaming Messages request with the key, version, tools and mapped conversation', async () => {
    server.reply({ sse: toolUseStream });
    await provider().streamTurn(request());
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/messages' });
    expect(req?.headers).toMatchObject({
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    });
    expect(req?.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      stream: true,
      system: 'You are terse.',
      tools: [
        {
          name: 'list_files',
          description: 'List files',
          input_schema: { type: 'object', properties: { path: { type: 'string' } } },
        },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is in src?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Looking.' },
            { type: 'tool_use', id: 'toolu_prev', name: 'list_files', input: { path: '.' } },
          ],
        },
        // The tool result travels in a user turn, merged with the next user text.
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_prev', content: 'src/', is_error: false },
            { type: 'text', text: 'And inside it?' },
          ],
        },
      ],
    });
  });

  it('streams text deltas and assembles tool input from input_json_delta pieces, with usage', async () => {
    server.reply({ sse: toolUseStream });
    const result = await provider().streamTurn(request());
    expect(texts).toEqual(["I'll list", ' the files.']);
    expect(result).toEqual({
      content: [
        { type: 'text', text: "I'll list the files." },
        { type: 'tool_use', id: 'toolu_01A', name: 'list_files', input: { path: 'src', recursive: true } },
      ],
      usage: { input_tokens: 480, output_tokens: 89 },
      stopReason: 'tool_use',
    });
  });

  it('keeps a base URL path prefix (a proxy in front of the API)', async () => {
    server.reply({ sse: toolUseStream });
    await provider('/anthropic/').streamTurn(request());
    expect(server.requests[0]?.path).toBe('/anthropic/v1/messages');
  });

  it('maps HTTP errors: 429 and 529 are retryable, 400 is not, with the API message', async () => {
    server.reply(
      {
        status: 429,
        json: {
          type: 'error',
          error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
        },
      },
      { status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      {
        status: 400,
        json: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: field required' } },
      },
    );
    const errors = [];
    for (let i = 0; i < 3; i++)
      errors.push(
        await provider()
          .streamTurn(request())
          .catch((e: unknown) => e),
      );
    expect(errors.map((e) => [(e as ProviderError).status, (e as ProviderError).retryable])).toEqual([
      [429, true],
      [529, true],
      [400, false],
    ]);
    expect((errors[2] as Error).message).toBe('anthropic answered 400: max_tokens: field required');
  });

  it('turns an error event in the stream into a ProviderError', async () => {
    server.reply({
      sse: anthropicSse([
        { type: 'message_start', message: { usage: { input_tokens: 1, output_tokens: 1 } } },
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
      ]),
    });
    const err = await provider()
      .streamTurn(request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: true, message: 'anthropic stream error overloaded_error: Overloaded' });
  });

  it('treats a stream that ends before message_stop as a retryable failure', async () => {
    server.reply({ sse: toolUseStream.slice(0, toolUseStream.indexOf('event: message_delta')) });
    await expect(provider().streamTurn(request())).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/before message_stop/),
    });
  });

  it('rejects with the abort reason when the run is aborted mid-stream', async () => {
    const controller = new AbortController();
    server.reply({ sse: toolUseStream.slice(0, toolUseStream.indexOf('event: content_block_stop')), hangAfter: true });
    const reason = new Error('shutting down');
    const pending = provider().streamTurn(
      request({
        signal: controller.signal,
        onText: async (t) => {
          texts.push(t);
          controller.abort(reason);
        },
      }),
    );
    await expect(pending).rejects.toBe(reason);
  });
});
