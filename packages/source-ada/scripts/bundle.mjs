// Bundles the source-ada command (dist/main.js and all it imports, dependencies included) into
// dist/bundle/, which bin/source-ada runs. Node resolves, reads and compiles one file instead of
// about a hundred modules: every command starts sooner and smaller, and a read costs less CPU
// (bench/results.md). dist/bundle sits two levels below the package, as dist/streams does, so
// the schemas' path (resources/ relative to the module) resolves the same in both.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const out = `${pkg}dist/bundle`;
rmSync(out, { recursive: true, force: true });
await build({
  cwd: pkg,
  input: 'dist/main.js',
  platform: 'node',
  logLevel: 'warn',
  // Modules loaded on first use (got) stay separate chunks, still loaded only when needed.
  output: { dir: out, format: 'esm', entryFileNames: 'source-ada.mjs', chunkFileNames: '[name]-[hash].mjs' },
});
