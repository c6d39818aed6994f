/**
 * Tasks run one at a time, in the order they were queued, with at most `max` waiting: past that, `push`
 * refuses rather than hold ever more in memory. A task's failure is the task's to handle (it is swallowed
 * here so the tasks after it still run).
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly max: number) {}

  /** Queues `task`; false (and nothing queued) when `max` tasks are waiting already. */
  push(task: () => Promise<void>): boolean {
    if (this.waiting >= this.max) return false;
    this.waiting++;
    this.tail = this.tail
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        this.waiting--;
      });
    return true;
  }

  /** Tasks queued and not finished yet. */
  get size(): number {
    return this.waiting;
  }

  /** Resolves once every task queued so far has run. */
  drain(): Promise<void> {
    return this.tail;
  }
}
