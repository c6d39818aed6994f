/**
 * Runs inside a sandbox that has a network allowlist: the sandbox's network namespace has only its
 * own loopback, so this forwards 127.0.0.1:<port> (where HTTP_PROXY points) to the egress proxy's
 * unix socket mounted in from outside, and touches `ready` once listening. It decides nothing: the
 * proxy outside enforces the allowlist, so code that kills or replaces the bridge gains nothing.
 */
export const BRIDGE_SCRIPT = `'use strict';
const net = require('node:net');
const fs = require('node:fs');
const [port, socketPath, ready] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(Number(port), '127.0.0.1', () => fs.writeFileSync(ready, ''));
`;
