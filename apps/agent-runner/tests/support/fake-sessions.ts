import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  ToolNameSchema,
  type ContentBlock,
  type Message,
  type PermissionRequest,
  type PermissionStatus,
  type RunEvent,
  type RunStatus,
  type SessionOptions,
} from '@platform/contracts';

/**
 * Stands in for the sessions service: serves `GET /internal/sessions/{id}/messages` (with the
 * session's current options) and `GET /internal/sessions/{id}/permissions/{request_id}` from memory,
 * and can absorb a run's events the way sessions persists them.
 */
export class FakeSessions {
  readonly authHeaders: Array<string | undefined> = [];
  private readonly messages = new Map<string, Message[]>();
  private readonly options = new Map<string, SessionOptions>();
  private readonly permissions = new Map<string, PermissionRequest>();
  private readonly runStatus = new Map<string, RunStatus>();
  private failNext = 0;
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `n` history requests answer 503. */
  failRequests(n: number): void {
    this.failNext = n;
  }

  addMessage(sessionId: string, role: Message['role'], content: ContentBlock[], runId: string | null = null): void {
    const list = this.messages.get(sessionId) ?? [];
    list.push({
      id: randomUUID(),
      session_id: sessionId,
      run_id: runId,
      seq: list.length + 1,
      role,
      content,
      created_at: new Date().toISOString(),
    });
    this.messages.set(sessionId, list);
  }

  /** Ends a run as sessions does from outside the runner (cancel, watchdog): its status goes with the history. */
  endRun(runId: string, status: RunStatus): void {
    this.runStatus.set(runId, status);
  }

  /** The session's current options, sent with its history from now on. */
  setOptions(sessionId: string, options: SessionOptions): void {
    this.options.set(sessionId, options);
  }

  optionsOf(sessionId: string): SessionOptions | undefined {
    return this.options.get(sessionId);
  }

  /** Persists the run's finished messages, as sessions derives them from the event stream. */
  absorb(events: RunEvent[]): void {
    for (const e of events)
      if (e.type === 'message_complete') this.addMessage(e.session_id, e.data.role, e.data.content, e.run_id);
  }

  /** Records a permission_request as sessions does (pending until answered); a known one stays as it is. */
  recordRequest(e: Extract<RunEvent, { type: 'permission_request' }>): void {
    if (this.permissions.has(e.data.request_id)) return;
    this.permissions.set(e.data.request_id, {
      id: e.data.request_id,
      session_id: e.session_id,
      run_id: e.run_id,
      tool_use_id: e.data.tool_use_id,
      tool: e.data.tool,
      input: e.data.input,
      status: 'pending',
      decided_by: null,
      remember: false,
      created_at: new Date().toISOString(),
      expires_at: e.data.expires_at,
      decided_at: null,
    });
  }

  /** A person's answer; `remember` adds the tool to the session's allowed_tools, as sessions does. */
  answer(requestId: string, status: PermissionStatus, o: { userId?: string; remember?: boolean } = {}): void {
    const request = this.permissions.get(requestId);
    if (!request) throw new Error(`no permission request ${requestId}`);
    Object.assign(request, {
      status,
      decided_by: o.userId ?? null,
      remember: o.remember ?? false,
      decided_at: new Date().toISOString(),
    });
    if (o.remember && status === 'allowed') {
      const options = this.options.get(request.session_id) ?? {};
      const allowed = new Set([...(options.allowed_tools ?? []), ToolNameSchema.parse(request.tool)]);
      this.options.set(request.session_id, { ...options, allowed_tools: [...allowed] });
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.authHeaders.push(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/internal\/sessions\/([^/]+)\/messages$/.exec(url.pathname);
    const permission = /^\/internal\/sessions\/[^/]+\/permissions\/([^/]+)$/.exec(url.pathname);
    const runId = url.searchParams.get('run_id');
    if (this.failNext > 0) {
      this.failNext--;
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":"down","error_code":"UPSTREAM_UNAVAILABLE"}');
      return;
    }
    const request = permission?.[1] ? this.permissions.get(decodeURIComponent(permission[1])) : undefined;
    if (request) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(request));
      return;
    }
    if (req.method !== 'GET' || !match?.[1]) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found","error_code":"NOT_FOUND"}');
      return;
    }
    const sessionId = decodeURIComponent(match[1]);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        session_id: sessionId,
        messages: this.messages.get(sessionId) ?? [],
        ...(this.options.has(sessionId) ? { options: this.options.get(sessionId) } : {}),
        ...(runId && this.runStatus.has(runId)
          ? { run: { id: runId, status: this.runStatus.get(runId), last_run_seq: null } }
          : {}),
      }),
    );
  }
}
