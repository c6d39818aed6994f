import http from 'node:http';

/** One request exactly as the fuzzer built it: the target is sent byte for byte, the body as raw bytes. */
export interface RawCase {
  method: string;
  /** Request target (path and query), already encoded. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** What came back: a status (0 when the connection failed), the headers and the body as text. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Set when no HTTP answer arrived (reset, timeout, refused). */
  error?: string;
  /** The answer was a stream (SSE) or an upgrade, closed by us after its status line. */
  streamed?: boolean;
}

const MAX_TEXT = 256 * 1024;

/**
 * Sends `c` to `baseUrl` on a fresh connection and resolves with the answer; never rejects. Streams
 * (text/event-stream) and upgrades are closed as soon as their status is known.
 */
export function send(baseUrl: string, c: RawCase, timeoutMs = 20_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const headers = { ...c.headers };
  // Without a length, node sends a GET or DELETE body unframed and the server reads it as a second request.
  if (c.body !== undefined) headers['content-length'] = String(c.body.length);
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: RawAnswer) => {
      if (done) return;
      done = true;
      resolve(a);
    };
    let req: http.ClientRequest;
    try {
      req = http.request({ host: hostname, port, method: c.method, path: c.target, headers, agent: false });
    } catch (err) {
      // The client refused to send it (e.g. a character node will not put on the wire): not the server's doing.
      finish({ status: -1, headers: {}, text: '', error: `unsendable: ${(err as Error).message}` });
      return;
    }
    req.on('response', (res) => {
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        finish({ status: res.statusCode ?? 0, headers: res.headers, text: '', streamed: true });
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_TEXT) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () =>
        finish({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', (err) =>
        finish({ status: res.statusCode ?? 0, headers: res.headers, text: '', error: err.message }),
      );
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      finish({ status: res.statusCode ?? 101, headers: res.headers, text: '', streamed: true });
    });
    req.on('error', (err) => finish({ status: 0, headers: {}, text: '', error: err.message }));
    req.setTimeout(timeoutMs, () => {
      finish({ status: 0, headers: {}, text: '', error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    });
    req.end(c.body);
  });
}

/** Runs `work` over `items` with at most `limit` in flight, in order of start. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}
