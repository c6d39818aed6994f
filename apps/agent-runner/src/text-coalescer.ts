/**
 * Streams a turn's text to a slow sink without one write per token: the first piece goes out at once,
 * and whatever arrives while a write is in flight is merged into the next write. An idle sink sees every
 * piece as it comes (no added latency); a busy one sees fewer, larger deltas. Order is kept, nothing is
 * dropped, and a failed write fails the next `push` or `flush`.
 */
export class TextCoalescer {
  private buffer = '';
  private draining: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(private readonly write: (text: string) => Promise<void>) {}

  /** Queues text for the sink; resolves at once unless an earlier write failed. */
  push(text: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (!text) return Promise.resolve();
    this.buffer += text;
    this.draining ??= this.drain();
    return Promise.resolve();
  }

  /** Resolves once everything pushed so far is written; rejects if a write failed. */
  async flush(): Promise<void> {
    await this.draining;
    if (this.failure) throw this.failure.error;
  }

  /** Drops what is not yet being written and writes nothing more (the write in flight, if any, completes). */
  abandon(): void {
    this.buffer = '';
    this.failure ??= { error: new Error('text stream abandoned') };
  }

  private async drain(): Promise<void> {
    try {
      while (this.buffer && !this.failure) {
        const text = this.buffer;
        this.buffer = '';
        await this.write(text);
      }
    } catch (error) {
      this.failure = { error };
      this.buffer = '';
    } finally {
      this.draining = undefined;
    }
  }
}
