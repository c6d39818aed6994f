import { TextCoalescer } from './text-coalescer';

/** A sink whose writes finish only when the test says so. */
function slowSink() {
  const writes: string[] = [];
  const pending: Array<() => void> = [];
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      writes.push(text);
      pending.push(resolve);
    });
  const release = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { writes, write, release };
}

describe('TextCoalescer', () => {
  it('writes the first piece at once and merges what arrives during a write into the next one', async () => {
    const sink = slowSink();
    const c = new TextCoalescer(sink.write);
    await c.push('Hello');
    await c.push(' wide');
    await c.push(' world');
    expect(sink.writes).toEqual(['Hello']);
    await sink.release();
    expect(sink.writes).toEqual(['Hello', ' wide world']);
    await sink.release();
    await c.flush();
    expect(sink.writes.join('')).toBe('Hello wide world');
  });

  it('passes every piece through unchanged when the sink keeps up', async () => {
    const writes: string[] = [];
    const c = new TextCoalescer(async (t) => {
      writes.push(t);
    });
    for (const w of ['a', 'b', 'c']) {
      await c.push(w);
      await c.flush();
    }
    expect(writes).toEqual(['a', 'b', 'c']);
  });

  it('ignores empty pieces', async () => {
    const writes: string[] = [];
    const c = new TextCoalescer(async (t) => {
      writes.push(t);
    });
    await c.push('');
    await c.flush();
    expect(writes).toEqual([]);
  });

  it('fails the next push and flush after a failed write, and writes nothing more', async () => {
    const writes: string[] = [];
    let fail = true;
    const c = new TextCoalescer(async (t) => {
      writes.push(t);
      if (fail) throw new Error('stream down');
    });
    await c.push('one');
    await expect(c.flush()).rejects.toThrow('stream down');
    fail = false;
    await expect(c.push('two')).rejects.toThrow('stream down');
    await expect(c.flush()).rejects.toThrow('stream down');
    expect(writes).toEqual(['one']);
  });

  it('after abandon, writes nothing it still held', async () => {
    const sink = slowSink();
    const c = new TextCoalescer(sink.write);
    await c.push('sent');
    await c.push(' held');
    c.abandon();
    await sink.release();
    await sink.release();
    expect(sink.writes).toEqual(['sent']);
    await expect(c.push('more')).rejects.toThrow('abandoned');
  });
});
