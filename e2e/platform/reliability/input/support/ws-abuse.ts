import http from 'node:http';
import { randomBytes } from 'node:crypto';

/** Frames no client may send: reserved bits and opcode set, unmasked, a length of 2^63, a 1 MB text frame announced. */
export const MALFORMED_FRAMES: Array<[string, Buffer]> = [
  ['reserved bits and opcode', Buffer.from([0xff, 0x80, 1, 2, 3, 4])],
  ['an unmasked client frame', Buffer.from([0x81, 0x05, ...Buffer.from('hello')])],
  ['a 2^63-byte length', Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])],
  ['a fragmented control frame', Buffer.from([0x09, 0x80, 1, 2, 3, 4])],
  ['random bytes', Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 131 + 7) % 256))],
];

/**
 * Completes a real WebSocket handshake on `path` (token in the query) and then writes `bytes` as if
 * they were frames. Resolves with the handshake status and the code of the close frame the server
 * answered with (0 when it hung up without one, -1 when it did neither within 5 s).
 */
export function upgradeThenSend(
  baseUrl: string,
  path: string,
  token: string,
  bytes: Buffer,
): Promise<{ status: number; closeCode: number }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: hostname,
      port,
      path: `${path}?token=${encodeURIComponent(token)}`,
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res, socket, head) => {
      const status = res.statusCode ?? 0;
      let seen = head;
      const done = (closeCode: number) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status, closeCode });
      };
      const timer = setTimeout(() => done(-1), 5_000);
      // Server frames are unmasked: a close frame is 0x88, a length byte, then the 2-byte code.
      const look = () => {
        const at = seen.indexOf(0x88);
        if (at >= 0 && seen.length >= at + 4) done(seen.readUInt16BE(at + 2));
      };
      socket.on('data', (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        look();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => done(0));
      socket.write(bytes);
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, closeCode: 0 });
    });
    req.on('error', reject);
    req.end();
  });
}
