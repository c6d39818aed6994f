import http from 'node:http';
import { ErrorEnvelopeSchema, SandboxExecResultSchema, type SandboxExecRequest, type SandboxExecResult } from '@platform/contracts';
import { SandboxUnavailableError, WorkspaceMissingError, type SandboxExecutor } from './executor';

/** Paths of the sandbox service's API on its unix socket. */
export const SANDBOX_EXEC_PATH = '/v1/exec';
export const SANDBOX_CHECK_PATH = '/v1/check';

/**
 * The sandbox service beside the runner (same pod, a container without the runner's secrets), spoken
 * to over a unix socket both share. Aborting a call closes its connection, which makes the service
 * kill the command.
 */
export class RemoteExecutor implements SandboxExecutor {
  readonly kind = 'remote';

  constructor(private readonly o: { socketPath: string; checkTimeoutMs?: number }) {}

  async run(request: SandboxExecRequest, signal?: AbortSignal): Promise<SandboxExecResult> {
    const { status, body } = await this.call('POST', SANDBOX_EXEC_PATH, request, signal);
    if (status === 200) return SandboxExecResultSchema.parse(body);
    if (status === 404) throw new WorkspaceMissingError();
    throw new SandboxUnavailableError(`the sandbox service answered ${status}: ${describe(body)}`);
  }

  async check(): Promise<void> {
    const { status, body } = await this.call('GET', SANDBOX_CHECK_PATH, undefined, AbortSignal.timeout(this.o.checkTimeoutMs ?? 5000));
    if (status !== 200) throw new SandboxUnavailableError(`the sandbox service cannot run commands: ${describe(body)}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private call(method: string, path: string, payload: unknown, signal: AbortSignal | undefined): Promise<{ status: number; body: unknown }> {
    const data = payload === undefined ? undefined : JSON.stringify(payload);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.o.socketPath,
          path,
          method,
          headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
            } catch {
              reject(new SandboxUnavailableError(`the sandbox service answered ${res.statusCode} without JSON`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        else reject(new SandboxUnavailableError(`cannot reach the sandbox service at ${this.o.socketPath} (${err.code ?? err.message})`));
      });
      req.end(data);
    });
  }
}

function describe(body: unknown): string {
  const envelope = ErrorEnvelopeSchema.safeParse(body);
  return envelope.success ? envelope.data.error : 'no error message';
}
