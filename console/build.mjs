// Bundles the console into dist/: app.js (minified, one file), styles.css and index.html copied as they are.
// The hub's build (AigneHub.Api.csproj) runs this when dist/ is missing or older than the sources.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const out = 'dist';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outfile: `${out}/app.js`,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync('src/index.html', `${out}/index.html`);
copyFileSync('src/styles.css', `${out}/styles.css`);

const gzipped = gzipSync(readFileSync(`${out}/app.js`)).length;
const budget = 300 * 1024;
console.log(`console: app.js ${statSync(`${out}/app.js`).size} bytes, ${gzipped} gzipped (budget ${budget})`);
if (gzipped > budget) {
  console.error('console: app.js is over its 300 KB gzipped budget (docs/adr/0020-web-console.md)');
  process.exit(1);
}
