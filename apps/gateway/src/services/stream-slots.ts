import type { Redis } from 'ioredis';
import { AppError, errorFields, type Logger } from '@platform/service-kit';

/** Long-lived streams through the gateway: a session's SSE stream and the status stream (WebSockets are all streams). */
const STREAM_PATHS = [/^\/api\/v1\/sessions\/[^/]+\/stream\/?$/i, /^\/api\/status\/stream\/?$/i];

/** Whether a plain HTTP request opens a long-lived stream. */
export const isStreamRequest = (method: string, path: string): boolean => method === 'GET' && STREAM_PATHS.some((p) => p.test(path));

// KEYS[1]: the owner's slots (member → lease expiry, ms). ARGV: now, expiry, max, member, key ttl.
// Drops leases nobody renewed (a gateway that died), then takes a slot if one is free.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then return {0, n} end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, n + 1}
`;

type AcquireCommand = (key: string, now: number, expiry: number, max: number, member: string, ttl: number) => Promise<[number, number]>;

export interface StreamSlotsOptions {
  redis: Redis;
  prefix: string;
  /** Concurrent streams one user may hold open (SSE and WebSocket together, over every gateway replica). */
  perUser: number;
  /** Concurrent streams without a valid token from one client IP. */
  perAnonymousIp: number;
  /** A held slot is renewed this often; one not renewed for 3x this long (its gateway died) is free again. */
  renewMs: number;
  instanceId: string;
  logger: Logger;
}

/**
 * Caps concurrent streams per owner (`u:<user id>` or `ip:<address>`) across every gateway replica: each
 * open stream holds a lease in a Redis sorted set, renewed while it is open and given back when it
 * closes. Past the cap a new stream is refused with 429 TOO_MANY_STREAMS. While Redis is unreachable
 * streams are let through (like the rate limiter: serve rather than refuse everyone).
 */
export class StreamSlots {
  private readonly held = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private seq = 0;

  constructor(private readonly o: StreamSlotsOptions) {
    this.o.redis.defineCommand('gatewayStreamSlot', { numberOfKeys: 1, lua: ACQUIRE });
    this.timer = setInterval(() => void this.renew(), o.renewMs);
    this.timer.unref();
  }

  /** Takes a slot for `owner` or throws 429; returns the (idempotent) release. */
  async acquire(owner: string): Promise<() => void> {
    const anonymous = owner.startsWith('ip:');
    const max = anonymous ? this.o.perAnonymousIp : this.o.perUser;
    const key = `${this.o.prefix}streams:${owner}`;
    const member = `${this.o.instanceId}:${++this.seq}`;
    const now = Date.now();
    const leaseMs = this.o.renewMs * 3;
    let taken: [number, number];
    try {
      taken = await (this.o.redis as Redis & { gatewayStreamSlot: AcquireCommand }).gatewayStreamSlot(key, now, now + leaseMs, max, member, leaseMs * 2);
    } catch (err) {
      this.o.logger.warn('stream slots unavailable; allowing the stream', errorFields(err));
      return () => undefined;
    }
    if (taken[0] !== 1) {
      throw new AppError(
        'TOO_MANY_STREAMS',
        anonymous
          ? `Too many open streams from your address (at most ${max} without signing in); close one, or sign in`
          : `Too many open streams (at most ${max} per user); close one of yours before opening another`,
        { details: { limit: max, open: taken[1] }, headers: { 'Retry-After': '5' } },
      );
    }
    this.held.set(member, key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(member);
      this.o.redis.zrem(key, member).catch((err: unknown) => this.o.logger.warn('releasing a stream slot failed', errorFields(err)));
    };
  }

  /** How many slots this instance holds. */
  get size(): number {
    return this.held.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const expiry = Date.now() + this.o.renewMs * 3;
    const pipeline = this.o.redis.pipeline();
    for (const [member, key] of this.held) pipeline.zadd(key, 'XX', expiry, member).pexpire(key, this.o.renewMs * 6);
    await pipeline.exec().catch((err: unknown) => this.o.logger.warn('renewing stream slots failed', errorFields(err)));
  }
}
