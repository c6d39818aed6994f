/**
 * (d) The fastest Node proxy available here: fastify + @fastify/http-proxy (undici, keep-alive).
 * Usage: `node --import tsx fastify-proxy.ts <port> <upstream url>`.
 */
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const port = Number(process.argv[2]);
const upstream = process.argv[3] ?? 'http://127.0.0.1:9';
const app = Fastify({ logger: false });
void app.register(proxy, { upstream, http2: false });
app.listen({ port, host: '127.0.0.1' }).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
