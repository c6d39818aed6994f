/**
 * The trivial upstream every proxy in the gateway benchmark forwards to: node:http answering a
 * small JSON body on any path. Usage: `node --import tsx upstream.ts <port>`.
 */
import http from 'node:http';

const port = Number(process.argv[2]);
const body = JSON.stringify({ ok: true, service: 'bench-upstream', items: [1, 2, 3] });
const length = String(Buffer.byteLength(body));

const server = http.createServer((req, res) => {
  // Drain any request body, then answer; keep-alive stays on (Node's default).
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
