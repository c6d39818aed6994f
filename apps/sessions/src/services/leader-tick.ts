import { errorFields, type Logger } from '@platform/service-kit';

export interface LeaderStep {
  name: string;
  run: () => Promise<unknown>;
  /**
   * Only once the consumer has no backlog: a step that ends runs must not act on a run whose terminal
   * event is still waiting in the stream (after an outage, say).
   */
  afterBacklog?: boolean;
}

/**
 * The leader's periodic work as one function: every step runs each tick, and one that fails is logged
 * without keeping the others from running (they are all retried on the next tick anyway).
 */
export function leaderTick(steps: LeaderStep[], logger: Logger): (state: { caughtUp: boolean }) => Promise<void> {
  return async ({ caughtUp }) => {
    for (const step of steps) {
      if (step.afterBacklog && !caughtUp) continue;
      try {
        await step.run();
      } catch (err) {
        logger.warn(`leader step failed: ${step.name}`, errorFields(err));
      }
    }
  };
}
