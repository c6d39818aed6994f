import { capOutput } from './output';

describe('capOutput', () => {
  it('leaves short output alone', () => {
    expect(capOutput('short', 1024)).toBe('short');
  });

  it('cuts long output to the byte limit on a character boundary and says so', () => {
    const out = capOutput('é'.repeat(1000), 200);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(200);
    expect(out).not.toContain('\uFFFD');
    expect(out).toMatch(/\[output truncated: \d+ of 2000 bytes shown\]$/);
  });
});
