import { TextReplay } from './text-replay';

describe('TextReplay', () => {
  it('drops the prefix already sent, even when the new pieces are cut elsewhere', () => {
    const replay = new TextReplay('Hello wo');
    expect(['Hel', 'lo ', 'world', '!'].map((t) => replay.next(t))).toEqual(['', '', 'rld', '!']);
    expect(replay.diverged).toBe(false);
  });

  it('passes everything when nothing was sent before', () => {
    const replay = new TextReplay('');
    expect(replay.next('Hi')).toBe('Hi');
  });

  it('reports a model that answers differently, and still sends only what lies past the old prefix', () => {
    const replay = new TextReplay('Sure, the');
    expect(replay.next('OK. Here ')).toBe('');
    expect(replay.next('is the list')).toBe('is the list');
    expect(replay.diverged).toBe(true);
  });
});
