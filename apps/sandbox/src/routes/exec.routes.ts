import { Router } from 'express';
import { SandboxExecRequestSchema } from '@platform/contracts';
import { SANDBOX_CHECK_PATH, SANDBOX_EXEC_PATH, SandboxUnavailableError, WorkspaceMissingError, type SandboxExecutor } from '@platform/sandbox-kit';
import { AppError, parseInput } from '@platform/service-kit';
import type { SandboxMetrics } from '../metrics';

/**
 * The runner's API, on the unix socket only: run a command (the answer comes when it ends; closing the
 * connection first kills it), and whether commands can run now.
 */
export function execRoutes(executor: SandboxExecutor, metrics: SandboxMetrics): Router {
  const r = Router();
  r.post(SANDBOX_EXEC_PATH, async (req, res) => {
    const request = parseInput(SandboxExecRequestSchema, req.body, 'body');
    const abort = new AbortController();
    // The caller went away (its run was cancelled, or it stopped): the command goes too.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the caller closed the connection'));
    });
    const done = metrics.started();
    try {
      const result = await executor.run(request, abort.signal);
      done(result.stopped ?? (result.exit_code === 0 ? 'ok' : 'nonzero'));
      if (!abort.signal.aborted) res.json(result);
    } catch (err) {
      done('error');
      if (err instanceof SandboxUnavailableError) throw new AppError('SERVICE_UNAVAILABLE', err.message);
      if (err instanceof WorkspaceMissingError) throw new AppError('NOT_FOUND', err.message);
      throw err;
    }
  });
  r.get(SANDBOX_CHECK_PATH, async (_req, res) => {
    try {
      await executor.check();
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', err instanceof Error ? err.message : String(err));
    }
    res.json({ status: 'ready' });
  });
  return r;
}
