import CircuitBreaker from 'opossum';
import client from 'prom-client';
import type { Logger } from '@platform/service-kit';

export interface BreakerSettings {
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Calls in the window before the percentage is judged. */
  volumeThreshold: number;
  /** How long the breaker stays open before letting one trial call through. */
  resetTimeoutMs: number;
  rollingCountTimeoutMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 5000,
  rollingCountTimeoutMs: 10_000,
};

type Action = (fn: () => Promise<unknown>) => Promise<unknown>;
const run: Action = (fn) => fn();

const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** One opossum breaker per target service, with its state exported as a metric. */
export class BreakerRegistry {
  private readonly breakers = new Map<string, { breaker: CircuitBreaker<[() => Promise<unknown>], unknown>; openedAt: number }>();
  private readonly stateGauge: client.Gauge<'target'>;
  private readonly transitions: client.Counter<'target' | 'to'>;

  constructor(
    private readonly logger: Logger,
    registry: client.Registry,
    private readonly settings: BreakerSettings = DEFAULT_BREAKER_SETTINGS,
  ) {
    this.stateGauge = new client.Gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state per target (0 closed, 1 half-open, 2 open)',
      labelNames: ['target'] as const,
      registers: [registry],
      // Summed over a cluster's workers (each has its own breakers) a state means nothing: report the worst.
      aggregator: 'max',
    });
    this.transitions = new client.Counter({
      name: 'circuit_breaker_transitions_total',
      help: 'Circuit breaker state changes per target',
      labelNames: ['target', 'to'] as const,
      registers: [registry],
    });
  }

  /** Runs `fn` through the target's breaker; rejects with code EOPENBREAKER at once while open. */
  fire<T>(target: string, fn: () => Promise<T>): Promise<T> {
    return this.get(target).breaker.fire(fn) as Promise<T>;
  }

  isOpen(target: string): boolean {
    return this.breakers.get(target)?.breaker.opened ?? false;
  }

  /** Seconds until an open breaker lets a trial call through. */
  retryAfterSeconds(target: string): number {
    const entry = this.breakers.get(target);
    if (!entry || !entry.breaker.opened) return 1;
    return Math.max(1, Math.ceil((entry.openedAt + this.settings.resetTimeoutMs - Date.now()) / 1000));
  }

  states(): Record<string, keyof typeof STATE_VALUE> {
    const out: Record<string, keyof typeof STATE_VALUE> = {};
    for (const [name, { breaker }] of this.breakers) out[name] = breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed';
    return out;
  }

  shutdown(): void {
    for (const { breaker } of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }

  private get(target: string) {
    let entry = this.breakers.get(target);
    if (entry) return entry;
    const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>(run, {
      name: target,
      timeout: false,
      errorThresholdPercentage: this.settings.errorThresholdPercentage,
      volumeThreshold: this.settings.volumeThreshold,
      resetTimeout: this.settings.resetTimeoutMs,
      rollingCountTimeout: this.settings.rollingCountTimeoutMs,
      errorFilter: isUpstreamClientError,
    });
    const created = { breaker, openedAt: 0 };
    const set = (to: keyof typeof STATE_VALUE) => {
      this.stateGauge.set({ target }, STATE_VALUE[to]);
      this.transitions.inc({ target, to });
      this.logger.log(to === 'open' ? 'warn' : 'info', `circuit breaker ${to}`, { target });
    };
    breaker.on('open', () => {
      created.openedAt = Date.now();
      set('open');
    });
    breaker.on('halfOpen', () => set('half_open'));
    breaker.on('close', () => set('closed'));
    this.stateGauge.set({ target }, 0);
    this.breakers.set(target, created);
    entry = created;
    return entry;
  }
}

/** True for an upstream 4xx answer (UpstreamResponseError): the target answered, so it must not trip the breaker. */
export function isUpstreamClientError(err: unknown): boolean {
  const status = (err as { upstreamStatus?: unknown } | null)?.upstreamStatus;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** True for the rejection opossum gives while a breaker is open. */
export function isBreakerOpenError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EOPENBREAKER';
}
