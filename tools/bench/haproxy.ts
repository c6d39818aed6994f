import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnProcess, type BenchProcess } from './processes';

/** The smallest sensible HAProxy config: one HTTP frontend, one keep-alive backend server. */
export function haproxyConfig(port: number, upstreamPort: number): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend bench',
    `  bind 127.0.0.1:${port}`,
    '  default_backend upstream',
    'backend upstream',
    `  server up1 127.0.0.1:${upstreamPort}`,
    '',
  ].join('\n');
}

/** Debian's `haproxy` in the foreground with a generated config. */
export async function startHaproxy(port: number, upstreamPort: number): Promise<BenchProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(cfg, haproxyConfig(port, upstreamPort));
  const bin = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => fs.existsSync(p)) ?? 'haproxy';
  return spawnProcess({ name: 'haproxy', command: bin, args: ['-db', '-f', cfg], url: `http://127.0.0.1:${port}` });
}

/** `HAProxy version 2.6.12-1+deb12u4 ...` -> `2.6.12-1+deb12u4`, or undefined when it is not installed. */
export function haproxyVersion(text: string): string | undefined {
  return /HAProxy version (\S+)/.exec(text)?.[1];
}
