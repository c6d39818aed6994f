#!/usr/bin/env node
// The npm registry mirror this project is built against serves only linux-x64 native packages, so
// `npm install` cannot record the other platforms' optional binaries (esbuild, swc, …) in
// package-lock.json, and `npm ci` then refuses the lock as "out of sync" (npm/cli#8805). This adds
// the entries a normal lockfile has for them: optional, version-pinned, with os/cpu/libc, so npm
// skips them here and installs them on the platform they are for. Run after `npm install`.
const fs = require('node:fs');
const path = require('node:path');

const OS = ['darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'netbsd', 'android', 'sunos', 'aix', 'openharmony'];
const CPU = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32', 'x32'];
const ALIASES = { windows: 'win32', win: 'win32', macos: 'darwin', mac: 'darwin', x86_64: 'x64', aarch64: 'arm64', armv7: 'arm', gnueabihf: null, musleabihf: null };

function platformOf(name) {
  const tokens = name.replace(/^@[^/]+\//, '').split(/[-_.]/).map((t) => (t in ALIASES ? ALIASES[t] : t)).filter(Boolean);
  const os = tokens.find((t) => OS.includes(t));
  const cpu = tokens.find((t) => CPU.includes(t)) ?? (/armv?7|eabihf/.test(name) ? 'arm' : undefined);
  const libc = /musl/.test(name) ? 'musl' : /gnu/.test(name) && os === 'linux' ? 'glibc' : undefined;
  if (cpu === 'wasm32') return { cpu: ['wasm32'] };
  if (!os && !cpu) return undefined;
  return { ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}), ...(libc ? { libc: [libc] } : {}) };
}

const lockPath = path.resolve(__dirname, '../../package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
let added = 0;
const unknown = [];
for (const [key, node] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(node.optionalDependencies ?? {})) {
    const parentDir = key === '' ? '' : `${key}/`;
    const candidates = [`${parentDir}node_modules/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => packages[c])) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) {
      unknown.push(`${dep}@${spec}`);
      continue;
    }
    packages[`node_modules/${dep}`] = { version: spec, optional: true, ...platform };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`lockfile: added ${added} foreign-platform optional entries\n`);
if (unknown.length) process.stdout.write(`lockfile: left alone (platform not recognisable or version not exact): ${unknown.join(', ')}\n`);
