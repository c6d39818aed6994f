import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { SessionEvent } from '@platform/contracts';
import type { Logger } from '@platform/service-kit';
import { EventHub } from './event-hub';

const SESSION = '00000000-0000-4000-8000-000000000001';
const event = (seq: number): SessionEvent => ({
  seq,
  type: 'text_delta',
  session_id: SESSION,
  run_id: '00000000-0000-4000-8000-000000000002',
  data: { text: String(seq) },
  created_at: new Date().toISOString(),
});

/** A subscriber connection whose SUBSCRIBE calls the test settles by hand. */
function fakeSub() {
  const emitter = new EventEmitter();
  const pending: Array<{ channel: string; resolve: () => void; reject: (e: Error) => void }> = [];
  const sub = Object.assign(emitter, {
    subscribe: (channel: string) => new Promise<void>((resolve, reject) => pending.push({ channel, resolve, reject })),
    unsubscribe: jest.fn(() => Promise.resolve()),
  });
  const deliver = (e: SessionEvent) => emitter.emit('message', `p:events:${e.session_id}`, JSON.stringify(e));
  return { sub: sub as unknown as Redis, pending, deliver, unsubscribe: sub.unsubscribe };
}

const logger = { warn: jest.fn() } as unknown as Logger;
const tick = () => new Promise((r) => setImmediate(r));

describe('EventHub', () => {
  it("hands a session's messages to each of its listeners, and unsubscribes once the last one leaves", async () => {
    const { sub, pending, deliver, unsubscribe } = fakeSub();
    const hub = new EventHub({} as Redis, sub, 'p:', logger);
    const a: number[] = [];
    const b: number[] = [];
    const subscribing = hub.subscribe(SESSION, (e) => a.push(e.seq));
    pending[0]!.resolve();
    const offA = await subscribing;
    const offB = await hub.subscribe(SESSION, (e) => b.push(e.seq));

    deliver(event(1));
    offA();
    deliver(event(2));
    offB();

    expect(pending).toHaveLength(1);
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
    expect(unsubscribe).toHaveBeenCalledTimes(1);
  });

  it('does not tell a second subscriber it is subscribed before Redis has confirmed the SUBSCRIBE', async () => {
    const { sub, pending } = fakeSub();
    const hub = new EventHub({} as Redis, sub, 'p:', logger);
    let secondReady = false;

    const first = hub.subscribe(SESSION, () => undefined);
    const second = hub
      .subscribe(SESSION, () => undefined)
      .then((off) => {
        secondReady = true;
        return off;
      });
    await tick();

    expect(secondReady).toBe(false);
    pending[0]!.resolve();
    await Promise.all([first, second]);
    expect(secondReady).toBe(true);
  });

  it('lets the next subscriber try again after a SUBSCRIBE failed, instead of leaving the session without live events', async () => {
    const { sub, pending, deliver } = fakeSub();
    const hub = new EventHub({} as Redis, sub, 'p:', logger);
    const failed = hub.subscribe(SESSION, () => undefined);
    pending[0]!.reject(new Error('Connection is closed.'));
    await expect(failed).rejects.toThrow('Connection is closed.');

    const got: number[] = [];
    const retrying = hub.subscribe(SESSION, (e) => got.push(e.seq));
    await tick();
    expect(pending).toHaveLength(2);
    pending[1]!.resolve();
    await retrying;
    deliver(event(7));

    expect(got).toEqual([7]);
  });
});
