import { spawn } from 'node:child_process';
import { childPids, cpuTimeMs, treeCpuTimeMs } from './proc';

describe('process figures from /proc', () => {
  it('count CPU a process spends, and find its children and their CPU', async () => {
    const before = cpuTimeMs(process.pid);
    const end = Date.now() + 150;
    while (Date.now() < end) Math.sqrt(Math.random());
    expect(cpuTimeMs(process.pid) - before).toBeGreaterThanOrEqual(50);

    const child = spawn(process.execPath, ['-e', 'const e = Date.now() + 300; while (Date.now() < e); setTimeout(() => {}, 5000)']);
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(childPids(process.pid)).toContain(child.pid);
      expect(treeCpuTimeMs(process.pid) - cpuTimeMs(process.pid)).toBeGreaterThanOrEqual(100);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('answer NaN and no children for a process that does not exist', () => {
    expect(cpuTimeMs(2 ** 30)).toBeNaN();
    expect(childPids(2 ** 30)).toEqual([]);
  });
});
