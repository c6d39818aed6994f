// esbuild options of `nx build status-aggregator` (project.json `esbuildConfig`). JavaScript, because
// Nx loads a TypeScript config only through swc-node or ts-node, which this workspace does not
// install; tsx (already here) loads the TypeScript build function instead.
const { require: tsxRequire } = require('tsx/cjs/api');
const { buildDashboard } = tsxRequire('./src/dashboard/build.ts', __filename);

/**
 * Replaces src/dashboard/embedded.ts with the built dashboard files, so the bundle needs no other
 * file, and the start-up builder with a stub, so the bundle does not require esbuild.
 */
const embedDashboard = {
  name: 'embed-dashboard',
  setup(build) {
    build.onLoad({ filter: /[\\/]dashboard[\\/]embedded\.ts$/ }, async () => {
      const files = await buildDashboard();
      const encoded = Object.fromEntries([...files].map(([name, body]) => [name, body.toString('base64')]));
      return { contents: `export default ${JSON.stringify(encoded)};`, loader: 'js' };
    });
    build.onLoad({ filter: /[\\/]dashboard[\\/]build\.ts$/ }, () => ({
      contents: "export async function buildDashboard() { throw new Error('this build embeds the dashboard'); }",
      loader: 'js',
    }));
  },
};

/** @type {import('esbuild').BuildOptions} */
module.exports = { outExtension: { '.js': '.js' }, plugins: [embedDashboard] };
