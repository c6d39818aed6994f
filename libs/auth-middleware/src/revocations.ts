import type { Redis } from 'ioredis';
import { RevocationEventSchema, revocationKeys, type AccessTokenClaims, type RevocationEvent } from '@platform/contracts';
import { AppError, UnauthorizedError, errorFields, type Logger, type ReadinessCheck } from '@platform/service-kit';
import { loadRevocations } from './revocation-store';

export interface RevocationListOptions {
  /** Commands (the loads). */
  redis: Redis;
  /** A connection of its own, put in subscribe mode. */
  subscriber: Redis;
  prefix: string;
  logger: Logger;
  /**
   * Longest this instance goes on trusting its copy without confirmation that it is current (the
   * subscription dropped, or a PING on it unanswered); past it, every token is refused with a 503.
   */
  maxStalenessMs?: number;
  /** How often the subscription is PINGed to prove it is alive. */
  pingMs?: number;
  /** A full reload this often besides the messages (bounds memory: pruned entries go). */
  reloadMs?: number;
  now?: () => number;
}

type Listener = () => void;

/**
 * This instance's copy of the platform's access-token revocations: loaded from Redis, kept current by
 * pub/sub, consulted after every signature check (two map lookups). It fails closed: until the first
 * load, and whenever the feed may have missed a message for longer than `maxStalenessMs` (subscription
 * down, PING unanswered), `assertValid` refuses with 503 instead of trusting a copy that may be stale.
 * A (re)subscription is always followed by a full reload, so instances that start (or reconnect) after
 * a revocation know it.
 */
export class RevocationList {
  private users = new Map<string, number>();
  private sessions = new Set<string>();
  private loaded = false;
  /** Bumped whenever the subscription may have missed a message; a reload clears staleness only for its own generation. */
  private gen = 0;
  private subscribedGen: number | undefined;
  private disconnectedAt: number | undefined;
  private pingSentAt: number | undefined;
  private pendingDuringLoad: RevocationEvent[] | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private resubscribing = false;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly channel: string;
  private readonly now: () => number;
  private stopped = false;
  private loadFailing = false;

  constructor(private readonly o: RevocationListOptions) {
    this.channel = revocationKeys(o.prefix).channel;
    this.now = o.now ?? Date.now;
  }

  /** Subscribes, loads, and keeps both up; resolves after the first attempt (failing closed until one succeeds). */
  async start(): Promise<void> {
    const sub = this.o.subscriber;
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.onMessage(message);
    });
    sub.on('close', () => this.onDisconnect(this.now()));
    sub.on('ready', () => {
      if (this.disconnectedAt !== undefined) void this.resubscribe();
    });
    this.timers.push(setInterval(() => this.tick(), this.o.pingMs ?? 200));
    this.timers.push(setInterval(() => void this.reload(), this.o.reloadMs ?? 60_000));
    for (const t of this.timers) t.unref();
    this.disconnectedAt = this.now();
    await this.resubscribe();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }

  /** True while the copy is known to be current (see the class comment). */
  get current(): boolean {
    if (!this.loaded) return false;
    const now = this.now();
    const max = this.o.maxStalenessMs ?? 1000;
    if (this.disconnectedAt !== undefined && now - this.disconnectedAt > max) return false;
    return !(this.pingSentAt !== undefined && now - this.pingSentAt > max);
  }

  /** Whether these (signature-checked) claims are revoked, by the copy as it is. */
  isRevoked(claims: AccessTokenClaims): boolean {
    const min = this.users.get(claims.sub);
    if (min !== undefined && (claims.tv ?? 0) < min) return true;
    return claims.sid !== undefined && this.sessions.has(claims.sid);
  }

  /** Throws 401 TOKEN_REVOKED for revoked claims, 503 when the copy cannot be trusted to be current. */
  assertValid(claims: AccessTokenClaims): void {
    if (!this.current) {
      throw new AppError('SERVICE_UNAVAILABLE', 'Cannot confirm that the access token is not revoked; try again shortly', {
        headers: { 'Retry-After': '1' },
      });
    }
    if (this.isRevoked(claims)) throw new UnauthorizedError('Access token revoked', 'TOKEN_REVOKED');
  }

  /** Calls `listener` whenever something about `userId`'s tokens may have changed (and after every reload). */
  onChange(userId: string, listener: Listener): () => void {
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }

  /** `/ready` fails while tokens would be refused for staleness, so balancers route around this instance. */
  readinessCheck(): ReadinessCheck {
    return {
      name: 'revocations',
      check: () => (this.current ? Promise.resolve() : Promise.reject(new Error('revocation list not loaded or not current'))),
    };
  }

  private async resubscribe(): Promise<void> {
    if (this.resubscribing || this.stopped || this.o.subscriber.status !== 'ready') return;
    this.resubscribing = true;
    try {
      const gen = this.gen;
      await this.o.subscriber.subscribe(this.channel);
      if (gen !== this.gen) return; // dropped again meanwhile: the next 'ready' or tick tries again
      this.subscribedGen = gen;
      await this.reload();
    } catch (err) {
      this.o.logger.warn('revocation feed: subscribe failed', errorFields(err));
    } finally {
      this.resubscribing = false;
    }
  }

  private reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    const gen = this.gen;
    this.reloading = (async () => {
      this.pendingDuringLoad = [];
      try {
        const state = await loadRevocations(this.o.redis, this.o.prefix);
        for (const e of this.pendingDuringLoad) applyTo(state, e);
        this.users = state.users;
        this.sessions = state.sessions;
        this.loaded = true;
        this.loadFailing = false;
        // Current again only if subscribed before this load began, with nothing missed since.
        if (gen === this.gen && this.subscribedGen === gen) this.disconnectedAt = undefined;
        for (const set of [...this.listeners.values()]) for (const l of [...set]) l();
      } catch (err) {
        if (!this.loadFailing) this.o.logger.warn('revocation feed: load failed (retrying every 500 ms)', errorFields(err));
        this.loadFailing = true;
        if (!this.stopped) setTimeout(() => void this.reload(), 500).unref();
      } finally {
        this.pendingDuringLoad = undefined;
        this.reloading = undefined;
        if (this.reloadAgain && !this.stopped) {
          this.reloadAgain = false;
          void this.reload();
        }
      }
    })();
    return this.reloading;
  }

  private onMessage(message: string): void {
    let event: RevocationEvent;
    try {
      event = RevocationEventSchema.parse(JSON.parse(message));
    } catch (err) {
      this.o.logger.warn('revocation feed: unreadable message', errorFields(err));
      return;
    }
    this.pendingDuringLoad?.push(event);
    applyTo({ users: this.users, sessions: this.sessions }, event);
    for (const l of [...(this.listeners.get(event.user_id) ?? [])]) l();
  }

  private onDisconnect(at: number): void {
    this.gen++;
    this.disconnectedAt ??= at;
    this.pingSentAt = undefined;
  }

  /** PINGs the subscription (its answer proves every message published before it was delivered), or recovers it. */
  private tick(): void {
    if (this.stopped || this.o.subscriber.status !== 'ready') return;
    if (this.disconnectedAt !== undefined) {
      void this.resubscribe();
      return;
    }
    if (this.pingSentAt !== undefined) return;
    const sentAt = this.now();
    this.pingSentAt = sentAt;
    this.o.subscriber.ping().then(
      () => {
        if (this.pingSentAt === sentAt) this.pingSentAt = undefined;
      },
      () => {
        if (this.pingSentAt === sentAt) this.onDisconnect(sentAt);
      },
    );
  }
}

function applyTo(state: { users: Map<string, number>; sessions: Set<string> }, e: RevocationEvent): void {
  if (e.kind === 'session') {
    state.sessions.add(e.session_id);
    return;
  }
  const current = state.users.get(e.user_id);
  if (current === undefined || e.min_version > current) state.users.set(e.user_id, e.min_version);
}
