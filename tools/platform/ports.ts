import net from 'node:net';
import { PlatformError } from './errors';

export interface PortClaim {
  port: number;
  /** Who needs the port, as the user knows it ("auth", "embedded PostgreSQL"). */
  owner: string;
  /** Env var that moves it elsewhere. */
  envVar: string;
}

/** Whether `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Fails fast, before anything starts, naming every port already taken and whose it is. */
export async function assertPortsFree(claims: PortClaim[]): Promise<void> {
  const seen = new Map<number, string>();
  for (const c of claims) {
    const other = seen.get(c.port);
    if (other)
      throw new PlatformError(
        `${c.owner} and ${other} are both configured for port ${c.port}: set ${c.envVar} to another port`,
      );
    seen.set(c.port, c.owner);
  }
  const taken: PortClaim[] = [];
  for (const c of claims) {
    if (!(await isPortFree(c.port))) taken.push(c);
  }
  if (taken.length === 0) return;
  throw new PlatformError(
    taken.length === 1
      ? `port ${taken[0]!.port} is already in use`
      : `ports ${taken.map((c) => c.port).join(', ')} are already in use`,
    [
      ...taken.map((c) => `port ${c.port} is needed by ${c.owner} (set ${c.envVar} to use another one)`),
      `to see what holds a port: ss -ltnp 'sport = :${taken[0]!.port}'  (or: lsof -i :${taken[0]!.port})`,
      'another `npm start` may still be running in this or another checkout',
    ],
  );
}
