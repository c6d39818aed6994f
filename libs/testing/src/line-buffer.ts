/** Keeps the last `capacity` lines of one or more streams, splitting chunks on newlines. */
export class LineBuffer {
  private readonly lines: string[] = [];
  private readonly partial = new Map<string, string>();

  constructor(private readonly capacity = 1000) {}

  /** Adds a chunk of `source` (e.g. `stdout`); an unfinished last line waits for the next chunk. */
  push(source: string, chunk: string): void {
    const text = (this.partial.get(source) ?? '') + chunk;
    const parts = text.split(/\r?\n/);
    this.partial.set(source, parts.pop() ?? '');
    for (const line of parts) this.add(line);
  }

  /** Flushes unfinished lines (the stream ended). */
  end(): void {
    for (const rest of this.partial.values()) if (rest.length > 0) this.add(rest);
    this.partial.clear();
  }

  /** Adds one complete line (e.g. a marker written by the harness itself). */
  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  snapshot(): string[] {
    return [...this.lines];
  }
}
