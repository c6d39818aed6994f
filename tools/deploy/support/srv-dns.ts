import dgram from 'node:dgram';

/** One SRV answer: where a replica listens. */
export interface SrvTarget {
  target: string;
  port: number;
}

/** A DNS server on a loopback UDP port answering SRV and A queries from in-memory records. */
export interface SrvDns {
  readonly address: string;
  /** Replaces the SRV answer of `name`; its targets resolve to `ip` (A records, sent as additional records too). */
  setSrv(name: string, targets: SrvTarget[], ip?: string): void;
  /** How many queries were answered so far. */
  readonly queries: number;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_SRV = 33;
const CLASS_IN = 1;
const TTL_S = 1;

const norm = (name: string): string => name.toLowerCase().replace(/\.$/, '');

function encodeName(name: string): Buffer {
  const parts = norm(name)
    .split('.')
    .filter(Boolean)
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

function record(name: string, type: number, rdata: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(TTL_S, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), fixed, rdata]);
}

const aRecord = (name: string, ip: string): Buffer => record(name, TYPE_A, Buffer.from(ip.split('.').map(Number)));

function srvRecord(name: string, t: SrvTarget): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt16BE(0, 0); // priority
  head.writeUInt16BE(10, 2); // weight
  head.writeUInt16BE(t.port, 4);
  return record(name, TYPE_SRV, Buffer.concat([head, encodeName(t.target)]));
}

interface Question {
  name: string;
  type: number;
  /** The question section as received, echoed in the answer. */
  raw: Buffer;
}

function parseQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i] as number;
    if (len > 63 || i + 1 + len > msg.length) return undefined;
    labels.push(msg.toString('ascii', i + 1, i + 1 + len));
    i += 1 + len;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: norm(labels.join('.')), type: msg.readUInt16BE(i + 1), raw: msg.subarray(12, i + 5) };
}

/** Starts the server on 127.0.0.1 (a free port unless given). Test support: loopback only. */
export async function startSrvDns(port = 0): Promise<SrvDns> {
  const srv = new Map<string, SrvTarget[]>();
  const a = new Map<string, string>();
  const socket = dgram.createSocket('udp4');
  let queries = 0;

  socket.on('message', (msg, peer) => {
    const q = parseQuestion(msg);
    if (!q) return;
    queries++;
    const answers: Buffer[] = [];
    const additional: Buffer[] = [];
    const known = srv.has(q.name) || a.has(q.name);
    if (q.type === TYPE_SRV) {
      for (const t of srv.get(q.name) ?? []) {
        answers.push(srvRecord(q.name, t));
        const ip = a.get(norm(t.target));
        if (ip) additional.push(aRecord(t.target, ip));
      }
    } else if (q.type === TYPE_A && a.has(q.name)) {
      answers.push(aRecord(q.name, a.get(q.name) as string));
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    const rd = (msg.readUInt16BE(2) & 0x0100) !== 0 ? 0x0100 : 0;
    header.writeUInt16BE(0x8400 | rd | (known ? 0 : 3), 2); // response, authoritative, NXDOMAIN when unknown
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    header.writeUInt16BE(0, 8);
    header.writeUInt16BE(additional.length, 10);
    socket.send(Buffer.concat([header, q.raw, ...answers, ...additional]), peer.port, peer.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  const bound = socket.address().port;

  return {
    address: `127.0.0.1:${bound}`,
    get queries() {
      return queries;
    },
    setSrv(name, targets, ip = '127.0.0.1') {
      srv.set(norm(name), targets);
      for (const t of targets) a.set(norm(t.target), ip);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
