import { LineBuffer } from './line-buffer';

describe('LineBuffer', () => {
  it('joins lines split across chunks and keeps streams apart', () => {
    const b = new LineBuffer();
    b.push('stdout', '{"a":');
    b.push('stderr', 'oops\r\n');
    b.push('stdout', '1}\n{"b":2}\n');
    expect(b.snapshot()).toEqual(['oops', '{"a":1}', '{"b":2}']);
  });

  it('keeps only the last lines up to its capacity', () => {
    const b = new LineBuffer(3);
    b.push('stdout', '1\n2\n3\n4\n5\n');
    expect(b.snapshot()).toEqual(['3', '4', '5']);
  });

  it('flushes an unterminated last line when the stream ends', () => {
    const b = new LineBuffer();
    b.push('stdout', 'done\nno newline');
    expect(b.snapshot()).toEqual(['done']);
    b.end();
    expect(b.snapshot()).toEqual(['done', 'no newline']);
  });
});
