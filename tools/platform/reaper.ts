import { spawn } from 'node:child_process';

/**
 * Runs in a separate, detached `node` that reads the launcher's pipe and outlives the launcher only
 * when the launcher dies without stopping its children (SIGKILL, a crash: the tsx CLI that `npm start`
 * goes through SIGKILLs its child when it is slow to acknowledge a relayed Ctrl-C). Then it stops the
 * watched processes stage by stage (signal, up to 15 s, SIGKILL to the group) and exits.
 * Protocol, one command a line: `watch <pid> <signal> <stage>`, `forget <pid>`.
 */
const REAPER_SCRIPT = `
const watched = new Map();
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  for (let i = buffer.indexOf('\\n'); i >= 0; i = buffer.indexOf('\\n')) {
    const [cmd, pid, signal, stage] = buffer.slice(0, i).split(' ');
    buffer = buffer.slice(i + 1);
    if (cmd === 'watch') watched.set(Number(pid), { signal, stage: Number(stage) });
    if (cmd === 'forget') watched.delete(Number(pid));
  }
});
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const send = (pid, signal) => { try { process.kill(pid, signal); } catch {} };
process.stdin.on('end', async () => {
  const stages = [...new Set([...watched.values()].map((w) => w.stage))].sort((a, b) => a - b);
  for (const stage of stages) {
    const pids = [...watched].filter(([, w]) => w.stage === stage).map(([pid]) => pid);
    for (const pid of pids) send(pid, watched.get(pid).signal);
    const deadline = Date.now() + 15000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of pids) send(-pid, 'SIGKILL');
  }
  process.exit(0);
});
`;

export interface OrphanGuard {
  watch: (pid: number, signal: NodeJS.Signals, stage: number) => void;
  forget: (pid: number) => void;
}

/** Starts the reaper; its pipe closes (and it acts) when this process ends, however it ends. */
export function startReaper(): OrphanGuard {
  const child = spawn(process.execPath, ['-e', REAPER_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  const stdin = child.stdin!;
  stdin.on('error', () => undefined);
  // The pipe must not keep the launcher alive once everything else is done.
  (stdin as unknown as { unref?: () => void }).unref?.();
  const send = (line: string): void => void stdin.write(`${line}\n`);
  return {
    watch: (pid, signal, stage) => send(`watch ${pid} ${signal} ${stage}`),
    forget: (pid) => send(`forget ${pid}`),
  };
}
