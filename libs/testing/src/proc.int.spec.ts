import { spawn } from 'node:child_process';
import { childPids, cpuTimeMs, treeCpuTimeMs } from './proc';
import { waitUntil } from './wait';

describe('process figures from /proc', () => {
  it('count CPU a process spends, and find its children and their CPU', async () => {
    // Spin until the CPU counter shows it (bounded): on a shared machine wall time says little about CPU time.
    const before = cpuTimeMs(process.pid);
    const deadline = Date.now() + 10_000;
    while (cpuTimeMs(process.pid) - before < 60 && Date.now() < deadline) for (let i = 0; i < 1e5; i++) Math.sqrt(i);
    expect(cpuTimeMs(process.pid) - before).toBeGreaterThanOrEqual(60);

    // A child that spends 300 ms of its own CPU, then idles.
    const child = spawn(process.execPath, [
      '-e',
      'while (process.cpuUsage().user < 300_000) Math.sqrt(Math.random()); setTimeout(() => {}, 20_000)',
    ]);
    try {
      await waitUntil('the child appears', () => childPids(process.pid).includes(child.pid ?? -1), 10_000, 20);
      await waitUntil('its CPU counts in the tree', () => treeCpuTimeMs(process.pid) - cpuTimeMs(process.pid) >= 100, 10_000, 50);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('answer NaN and no children for a process that does not exist', () => {
    expect(cpuTimeMs(2 ** 30)).toBeNaN();
    expect(childPids(2 ** 30)).toEqual([]);
  });
});
