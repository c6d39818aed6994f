/**
 * Streams a turn again without repeating what an earlier attempt already sent: the first
 * `sent.length` characters of the new stream are dropped, the rest passes. A deterministic model
 * (the offline one) streams the same text again, so the client sees one seamless answer. A model
 * that answers differently the second time is reported by `diverged`: its live text then shows the
 * old prefix followed by the new answer from the same offset, while the turn's message_complete
 * (what sessions stores and feeds back to the model) holds the new answer only.
 */
export class TextReplay {
  private offset = 0;
  private mismatch = false;

  constructor(private readonly sent: string) {}

  get diverged(): boolean {
    return this.mismatch;
  }

  /** The part of `text` still to send ('' when an earlier attempt sent all of it). */
  next(text: string): string {
    if (this.offset >= this.sent.length) return text;
    const overlap = Math.min(text.length, this.sent.length - this.offset);
    if (text.slice(0, overlap) !== this.sent.slice(this.offset, this.offset + overlap)) this.mismatch = true;
    this.offset += overlap;
    return text.slice(overlap);
  }
}
