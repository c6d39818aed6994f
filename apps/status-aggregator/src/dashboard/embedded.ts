/**
 * The built dashboard files (name → base64) when this code runs as a build's bundle: `nx build`
 * (esbuild.config.js) replaces this module with them, so `main.js` alone serves the page. Run from
 * the sources it is empty, and the files are bundled at start-up instead.
 */
const embedded: Readonly<Record<string, string>> | undefined = undefined;
export default embedded;
