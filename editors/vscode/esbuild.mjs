// Bundles the extension and vscode-languageclient into dist/extension.js, so the .vsix
// carries no node_modules. `--production` minifies and drops the source map.
import { rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');

// A stale source map from a development build must not linger beside a production bundle.
rmSync('dist', { recursive: true, force: true });

await esbuild.build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/extension.js',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  logLevel: 'info',
});
