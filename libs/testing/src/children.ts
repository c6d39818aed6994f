import type { ChildProcess } from 'node:child_process';

// Every child the harness started and that is still alive. A failing test may never reach its
// afterAll; these are SIGKILLed when the test process exits or is told to stop, so none outlive it.
const live = new Set<ChildProcess>();
let hooked = false;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  // Restore the default action (terminate) unless someone else handles this signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of SIGNALS) process.once(signal, onSignal);
}

/** Remembers `child` until it exits, so it is killed if the test process goes away first. */
export function trackChild(child: ChildProcess): void {
  installHooks();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** SIGKILLs every child process the harness started that is still running. */
export function killAllServiceProcesses(): void {
  killAll();
}

/** How many harness-started children are still alive (for leak checks in tests). */
export function liveServiceProcessCount(): number {
  return live.size;
}
