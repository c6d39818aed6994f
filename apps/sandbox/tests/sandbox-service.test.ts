import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ErrorEnvelopeSchema, ReadyResponseSchema } from '@platform/contracts';
import { RemoteExecutor, SANDBOX_EXEC_PATH, SandboxUnavailableError, WorkspaceMissingError } from '@platform/sandbox-kit';
import { pidsWithCommandLine, startServiceProcess, waitUntil, type ServiceProcess } from '@platform/testing';

jest.setTimeout(60_000);

let dir: string;
let socketPath: string;
let service: ServiceProcess;
let remote: RemoteExecutor;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sbxsvc-'));
  // The sandbox's user must be able to pass through every parent of the workspaces (not list them).
  await fs.chmod(dir, 0o711);
  socketPath = path.join(dir, 'sandbox.sock');
  service = await startServiceProcess({
    app: 'sandbox',
    env: { SANDBOX_SOCKET: socketPath, WORKDIR_ROOT: path.join(dir, 'workspaces'), SHUTDOWN_TIMEOUT_MS: '2000', SECRET_OF_THE_SERVICE: 'must-not-leak' },
  });
  remote = new RemoteExecutor({ socketPath });
});
afterAll(async () => {
  await service?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** POSTs raw JSON to the service's socket. */
function post(body: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: SANDBOX_EXEC_PATH, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A working directory on the shared volume, as the runner creates one on first use. */
async function workspace(): Promise<string> {
  const id = randomUUID();
  await fs.mkdir(path.join(dir, 'workspaces', id), { recursive: true });
  return id;
}

describe('the sandbox service', () => {
  it('runs a runner\'s command over its socket, sandboxed, in the named working directory', async () => {
    const id = await workspace();
    const r = await remote.run({ workspace_id: id, argv: ['/bin/sh', '-c', 'echo hi > f.txt; id -u; env | grep -c SECRET_OF_THE_SERVICE'] });

    expect(r).toMatchObject({ exit_code: 1, stopped: null, stdout: '1000\n0\n' });
    expect(await fs.readFile(path.join(dir, 'workspaces', id, 'f.txt'), 'utf8')).toBe('hi\n');
  });

  it('kills the command when the caller goes away', async () => {
    const marker = `remote-survivor-${randomUUID()}`;
    const abort = new AbortController();
    const running = remote.run({ workspace_id: await workspace(), argv: ['/bin/sh', '-c', `sleep 600; : ${marker}`] }, abort.signal);
    await waitUntil('the command runs', () => pidsWithCommandLine(marker).length > 0);

    abort.abort(new Error('cancelled'));

    await expect(running).rejects.toThrow('cancelled');
    await waitUntil('the command is gone', () => pidsWithCommandLine(marker).length === 0, 5000);
  });

  it('never creates a working directory: a missing one (a deleted session) is reported as such', async () => {
    await expect(remote.run({ workspace_id: randomUUID(), argv: ['true'] })).rejects.toThrow(WorkspaceMissingError);
  });

  it('answers a malformed command with a 400 envelope', async () => {
    const bad = await post(JSON.stringify({ workspace_id: '../etc', argv: [] }));

    expect(bad.status).toBe(400);
    expect(ErrorEnvelopeSchema.parse(bad.body).error_code).toBe('VALIDATION_ERROR');
  });

  it('is ready when bubblewrap works, takes commands only on its socket (owner and group), and says so on /health and /metrics', async () => {
    const ready = await fetch(`${service.url}/ready`);
    expect(ReadyResponseSchema.parse(await ready.json())).toMatchObject({ status: 'ready', checks: [expect.objectContaining({ name: 'bubblewrap', ok: true })] });
    expect((await fetch(`${service.url}${SANDBOX_EXEC_PATH}`, { method: 'POST' })).status).toBe(404);
    expect((await fs.stat(socketPath)).mode & 0o777).toBe(0o660);
    expect(await (await fetch(`${service.url}/metrics`)).text()).toMatch(/sandbox_commands_total\{[^}]*outcome="(ok|nonzero|cancelled)"[^}]*\} [1-9]/);
  });

  it('is reported unavailable to the runner when it is down', async () => {
    const gone = new RemoteExecutor({ socketPath: path.join(dir, 'nobody-here.sock') });
    await expect(gone.run({ workspace_id: randomUUID(), argv: ['true'] })).rejects.toThrow(SandboxUnavailableError);
    await expect(gone.check()).rejects.toThrow(/cannot reach the sandbox service/);
  });
});
