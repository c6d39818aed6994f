/** Cuts `text` to at most `limit` UTF-8 bytes (never inside a character) and says how much was left out. */
export function capOutput(text: string, limit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  const notice = (shown: number) => `\n[output truncated: ${shown} of ${bytes.length} bytes shown]`;
  let end = Math.max(0, limit - Buffer.byteLength(notice(limit)));
  // Step back over UTF-8 continuation bytes so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + notice(end);
}

/** True when a buffer looks binary (a NUL byte in its first 8 KiB), as grep and git decide. */
export function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8192).includes(0);
}
