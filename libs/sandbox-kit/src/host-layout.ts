import fs from 'node:fs/promises';
import path from 'node:path';
import { BRIDGE_SCRIPT } from './bridge-script';

/** Inside the sandbox: the session's working directory (also HOME), and the ids its user has. */
export const SANDBOX_HOME = '/workspace';
export const SANDBOX_INNER_UID = 1000;
export const SANDBOX_INNER_GID = 1000;
/** Where the egress bridge listens inside the sandbox (its own loopback) and where the proxy's socket is mounted. */
export const BRIDGE_PORT = 3128;
export const EGRESS_MOUNT = '/run/egress';
export const BRIDGE_PATH = '/run/sandbox/bridge.cjs';

// The toolchain: visible read-only, as on the host (merged-/usr systems have /bin etc. as links).
const SYSTEM_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];
// What programs read from /etc to work at all (TLS roots, the dynamic linker, time zone); nothing else of it.
const ETC_ENTRIES = ['alternatives', 'ssl', 'ca-certificates', 'ca-certificates.conf', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'localtime', 'mime.types'];

/** The host side of every sandbox: which host paths it sees, and the small files it gets instead of the host's. */
export interface HostLayout {
  /** bwrap arguments mounting the toolchain and the runtime files. */
  mountArgs: readonly string[];
  /** Host path of the bridge script (mounted only when a command has network). */
  bridgeScript: string;
  /** Host directory for per-command egress sockets. */
  egressRoot: string;
}

/**
 * Prepares `runtimeDir` (passwd, group and hosts files naming only the sandbox's user, and the egress
 * bridge) and lists the read-only mounts: system directories, a few /etc entries, the directory Node
 * is installed in when it is outside /usr, and the operator's extra paths.
 */
export async function prepareHostLayout(o: { runtimeDir: string; roPaths: readonly string[]; nodePath?: string }): Promise<HostLayout> {
  const etc = path.join(o.runtimeDir, 'etc');
  const egressRoot = path.join(o.runtimeDir, 'egress');
  // Each command's egress socket lives at <egressRoot>/<12 hex>/egress.sock; unix socket paths stop at 107 bytes.
  if (Buffer.byteLength(egressRoot) > 80) throw new Error(`the sandbox runtime directory path is too long for unix sockets: ${o.runtimeDir}`);
  await fs.mkdir(etc, { recursive: true, mode: 0o755 });
  await fs.mkdir(egressRoot, { recursive: true, mode: 0o711 });
  // The runtime directory must be readable by the unprivileged user bwrap runs as.
  await fs.chmod(o.runtimeDir, 0o755);
  await fs.chmod(egressRoot, 0o711);
  const files: Record<string, string> = {
    passwd: `root:x:0:0::/:/usr/sbin/nologin\nsandbox:x:${SANDBOX_INNER_UID}:${SANDBOX_INNER_GID}:sandbox:${SANDBOX_HOME}:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\n`,
    group: `root:x:0:\nsandbox:x:${SANDBOX_INNER_GID}:\nnogroup:x:65534:\n`,
    hosts: '127.0.0.1 localhost sandbox\n::1 localhost\n',
  };
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(etc, name), text, { mode: 0o644 });
  const bridgeScript = path.join(o.runtimeDir, 'bridge.cjs');
  await fs.writeFile(bridgeScript, BRIDGE_SCRIPT, { mode: 0o644 });

  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const host = `/${dir}`;
    const stat = await fs.lstat(host).catch(() => undefined);
    if (stat?.isSymbolicLink()) args.push('--symlink', await fs.readlink(host), host);
    else if (stat?.isDirectory()) args.push('--ro-bind', host, host);
  }
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  for (const name of Object.keys(files)) args.push('--ro-bind', path.join(etc, name), `/etc/${name}`);
  const nodeHome = o.nodePath ? path.dirname(path.dirname(await fs.realpath(o.nodePath))) : undefined;
  const extra = [...(nodeHome && !nodeHome.startsWith('/usr') ? [nodeHome] : []), ...o.roPaths];
  for (const p of extra) args.push('--ro-bind', p, p);
  return { mountArgs: args, bridgeScript, egressRoot };
}
