import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './url-guard';

/**
 * POSTs `body` to `url` and resolves with the response status (redirects are not followed). The
 * connection only goes to addresses `guardedLookup` allows; the whole exchange must end within `timeoutMs`.
 */
export function postJson(url: URL, body: string, headers: Record<string, string>, o: { timeoutMs: number; allowPrivate: boolean }): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
        lookup: guardedLookup(o.allowPrivate),
        agent: false,
        timeout: o.timeoutMs,
      },
      (res) => {
        // The answer's body is not used; read (and drop) it so the socket closes cleanly.
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
