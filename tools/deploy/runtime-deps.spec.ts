import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleExternals, dependencyClosure, packageName } from './runtime-deps';

function fakeInstall(packages: Record<string, object>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deps-'));
  for (const [dir, manifest] of Object.entries(packages)) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    fs.writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(manifest));
  }
  return root;
}

describe('bundleExternals', () => {
  it('finds static, dynamic and resolved package names, without builtins or relative paths', () => {
    const bundle = [
      'var a = require("express");',
      'var b = require("@prisma/client/runtime/client");',
      'await import("@prisma/client/runtime/query_compiler_fast_bg.postgresql.js");',
      "const dir = require.resolve('@prisma/schema-engine-wasm');",
      'require("node:fs"); require("crypto"); require("./local");',
    ].join('\n');
    expect(bundleExternals(bundle)).toEqual(['@prisma/client', '@prisma/schema-engine-wasm', 'express']);
  });

  it('maps deep specifiers to their package', () => {
    expect(packageName('@scope/pkg/deep/file.js')).toBe('@scope/pkg');
    expect(packageName('pkg/sub')).toBe('pkg');
    expect(packageName('fs/promises')).toBeUndefined();
  });
});

describe('dependencyClosure', () => {
  it('follows dependencies (nested first), installed optional ones and required peers, not optional peers', () => {
    const root = fakeInstall({
      'node_modules/app-dep': {
        dependencies: { shared: '^2' },
        optionalDependencies: { 'native-linux': '1', 'native-darwin': '1' },
        peerDependencies: { peer: '*', cli: '*' },
        peerDependenciesMeta: { cli: { optional: true } },
      },
      'node_modules/app-dep/node_modules/shared': { version: '2.0.0' },
      'node_modules/shared': { version: '1.0.0' },
      'node_modules/native-linux': {},
      'node_modules/peer': {},
      'node_modules/cli': { dependencies: { huge: '1' } },
      'node_modules/huge': {},
    });
    try {
      expect(dependencyClosure(root, ['app-dep'])).toEqual([
        'node_modules/app-dep',
        'node_modules/app-dep/node_modules/shared',
        'node_modules/native-linux',
        'node_modules/peer',
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails on a required package that is not installed', () => {
    const root = fakeInstall({ 'node_modules/a': { dependencies: { missing: '1' } } });
    try {
      expect(() => dependencyClosure(root, ['a'])).toThrow(/missing \(needed by a\) is not installed/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
