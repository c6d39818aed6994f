import { eventually, sleep, waitUntil } from './wait';

describe('waitUntil', () => {
  it('resolves once the check passes, sync or async, retrying checks that throw', async () => {
    let calls = 0;
    await waitUntil('the third call', () => ++calls >= 3, 500, 1);
    expect(calls).toBe(3);

    let asyncCalls = 0;
    await waitUntil(
      'the async check passes',
      async () => {
        asyncCalls += 1;
        if (asyncCalls === 1) throw new Error('not up yet');
        return asyncCalls >= 2;
      },
      500,
      1,
    );
    expect(asyncCalls).toBe(2);
  });

  it('rejects after the timeout naming what it waited for and the last error', async () => {
    await expect(waitUntil('the moon turns blue', () => false, 30, 5)).rejects.toThrow(
      /^timed out after 30 ms waiting until the moon turns blue$/,
    );
    await expect(
      waitUntil(
        'the service answers',
        () => {
          throw new Error('ECONNREFUSED');
        },
        30,
        5,
      ),
    ).rejects.toThrow('timed out after 30 ms waiting until the service answers (last error: ECONNREFUSED)');
  });
});

describe('eventually', () => {
  it('returns the value that satisfied done', async () => {
    let n = 0;
    const value = await eventually(
      'n reaches 3',
      async () => ({ n: ++n }),
      (v) => v.n >= 3,
      500,
      1,
    );
    expect(value).toEqual({ n: 3 });
  });

  it('rejects after the timeout naming what it waited for and the last value read', async () => {
    await expect(
      eventually(
        'the run completes',
        () => ({ status: 'running' }),
        (v) => v.status === 'completed',
        30,
        5,
      ),
    ).rejects.toThrow('timed out after 30 ms waiting until the run completes (last value: {"status":"running"})');
  });
});

describe('sleep', () => {
  it('resolves after roughly the given time', async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});
