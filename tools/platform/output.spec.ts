import { renderLogLine } from './output';

describe('renderLogLine', () => {
  it("renders a service's JSON log line as time, level, message and extra fields", () => {
    const line = JSON.stringify({
      level: 'info',
      message: 'registry listening',
      service: 'registry',
      instance_id: 'host-1-abc',
      timestamp: '2026-11-22T10:11:12.345Z',
      url: 'http://127.0.0.1:8100',
    });

    expect(renderLogLine(line, false)).toMatch(
      /^\d\d:\d\d:\d\d\.345 info {2}registry listening \{"url":"http:\/\/127\.0\.0\.1:8100"\}$/,
    );
  });

  it('puts the stack of an error on the following lines', () => {
    const line = JSON.stringify({ level: 'error', message: 'boom', stack: 'Error: boom\n    at x' });

    expect(renderLogLine(line, false)).toBe('error boom\nError: boom\n    at x');
  });

  it('leaves the stack out of warnings', () => {
    const line = JSON.stringify({
      level: 'warn',
      message: 'registry heartbeat failed',
      err_message: 'fetch failed',
      stack: 'TypeError: fetch failed\n    at x',
    });

    expect(renderLogLine(line, false)).toBe('warn  registry heartbeat failed {"err_message":"fetch failed"}');
  });

  it('passes other lines through unchanged', () => {
    for (const line of ['plain text', '{not json', '{"no":"level"}', '[1,2]']) {
      expect(renderLogLine(line, false)).toBe(line);
    }
  });
});
