/**
 * (c) The naive build: bare Express 5 + http-proxy-middleware with a keep-alive agent, nothing else.
 * Usage: `node --import tsx naive-proxy.ts <port> <upstream url>`.
 */
import http from 'node:http';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

const port = Number(process.argv[2]);
const target = process.argv[3] ?? 'http://127.0.0.1:9';
const app = express();
app.use(createProxyMiddleware({ target, agent: new http.Agent({ keepAlive: true, maxSockets: 256 }), changeOrigin: false, xfwd: true }));
const server = app.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
