/** Keeps the first `limit` bytes of what a process prints, counting the rest. */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    // A cut may fall inside a character; the decoder replaces the broken tail.
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
