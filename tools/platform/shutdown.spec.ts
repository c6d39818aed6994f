import { Shutdown } from './shutdown';

describe('Shutdown', () => {
  it('stops services before infrastructure, each in reverse registration order, and only once', async () => {
    const stopped: string[] = [];
    const shutdown = new Shutdown(() => undefined);
    const step = (name: string) => async () => void stopped.push(name);
    shutdown.add('postgres', 'infrastructure', step('postgres'));
    shutdown.add('redis-server', 'infrastructure', step('redis-server'));
    shutdown.add('services', 'services', step('services'));

    await Promise.all([shutdown.run(), shutdown.run()]);

    expect(stopped).toEqual(['services', 'redis-server', 'postgres']);
    expect(shutdown.signal.aborted).toBe(true);
  });

  it('runs a step registered after shutdown began at once, and reports failing steps without stopping the others', async () => {
    const reports: string[] = [];
    const stopped: string[] = [];
    const shutdown = new Shutdown((text) => reports.push(text));
    shutdown.add('broken', 'services', () => Promise.reject(new Error('nope')));
    shutdown.add('postgres', 'infrastructure', async () => void stopped.push('postgres'));

    const done = shutdown.run();
    shutdown.add('late redis', 'infrastructure', async () => void stopped.push('late redis'));
    await done;

    expect(stopped.sort()).toEqual(['late redis', 'postgres']);
    expect(reports).toEqual(['stopping broken failed: nope']);
  });
});
