// The committed dist/ (which the Rust binary embeds and serves) must be what the sources
// build to today, and the served module must need nothing but the browser.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const dist = join(root, 'dist');

describe('dist/', () => {
  it('matches a fresh build of src/ (run `npm run build` and commit dist/ when this fails)', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'lka-client-build-'));
    try {
      execFileSync(process.execPath, [join(root, 'build.mjs'), fresh], { stdio: 'pipe' });
      const files = readdirSync(fresh).sort();
      expect(readdirSync(dist).sort()).toEqual(files);
      for (const file of files) {
        expect(readFileSync(join(dist, file), 'utf8'), `dist/${file}`).toBe(readFileSync(join(fresh, file), 'utf8'));
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 60_000);

  it('is one ES module that imports nothing (livekit-client is not bundled)', () => {
    const module = readFileSync(join(dist, 'livekit-analytics.js'), 'utf8');
    expect(module).not.toMatch(/^\s*import\s/m);
    expect(module).not.toMatch(/\brequire\(/);
    expect(module).not.toContain('livekit-client');
    expect(module).toMatch(/^export \{[^}]*\bcollectStats\b/m);
  });

  it("type-checks against livekit-client's own Room and track classes", () => {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.test.json')], {
      stdio: 'pipe',
    });
  }, 60_000);
});
