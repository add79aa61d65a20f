// Builds dist/livekit-analytics.js (one ES module, no dependencies: the collector only uses
// the room object it is given, so livekit-client is never imported) with esbuild, and the
// type declarations dist/*.d.ts with tsc. `node build.mjs <dir>` builds into another folder
// (the unit tests compare such a fresh build with the committed dist/).

import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(root, 'dist'));
const { name, version, license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const options = {
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  platform: 'browser',
  legalComments: 'none',
  banner: {
    js: `// ${name} ${version} (${license}): built from clients/js/src by \`npm run build\`; do not edit.`,
  },
};

rmSync(outDir, { recursive: true, force: true });
await build({ ...options, outfile: join(outDir, 'livekit-analytics.js') });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', outDir],
  { stdio: 'inherit' },
);
console.log(`built ${outDir}`);
