import { SerialQueue } from './serial-queue';

const deferred = () => {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('SerialQueue', () => {
  it('runs tasks one at a time in the order queued, and drain waits for all of them', async () => {
    const q = new SerialQueue(10);
    const order: string[] = [];
    const gate = deferred();
    q.push(async () => {
      order.push('a start');
      await gate.promise;
      order.push('a end');
    });
    q.push(async () => {
      order.push('b');
    });
    await Promise.resolve();
    expect(order).toEqual(['a start']);
    expect(q.size).toBe(2);
    gate.resolve();
    await q.drain();
    expect(order).toEqual(['a start', 'a end', 'b']);
    expect(q.size).toBe(0);
  });

  it('goes on after a task that fails', async () => {
    const q = new SerialQueue(10);
    const ran: string[] = [];
    q.push(() => Promise.reject(new Error('boom')));
    q.push(async () => {
      ran.push('next');
    });
    await q.drain();
    expect(ran).toEqual(['next']);
  });

  it('refuses past max waiting tasks, and takes more once they ran', async () => {
    const q = new SerialQueue(2);
    const gate = deferred();
    expect(q.push(() => gate.promise)).toBe(true);
    expect(q.push(async () => undefined)).toBe(true);
    expect(q.push(async () => undefined)).toBe(false);
    expect(q.size).toBe(2);
    gate.resolve();
    await q.drain();
    expect(q.push(async () => undefined)).toBe(true);
    await q.drain();
    expect(q.size).toBe(0);
  });
});
