// What every browser test script shares: playwright-core (from LKA_TEST_BROWSER_NODE_PATH)
// driving Debian's Chromium headless, the arguments `<base-url> <screenshot-dir>`, one
// `ok <case>` line per passed case, and a non-zero exit on the first failure.

import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The run's settings: base URL and screenshot folder from argv, credentials from env. */
export function settings() {
  const [baseUrl, screenshotDir] = process.argv.slice(2);
  if (!baseUrl || !screenshotDir) {
    console.error('usage: node <script> <base-url> <screenshot-dir>');
    process.exit(2);
  }
  mkdirSync(screenshotDir, { recursive: true });
  return { baseUrl: baseUrl.replace(/\/$/, ''), screenshotDir };
}

/** Chromium, launched headless through playwright-core. */
export async function launchChromium() {
  const nodePath = process.env.LKA_TEST_BROWSER_NODE_PATH;
  if (!nodePath) throw new Error('LKA_TEST_BROWSER_NODE_PATH is not set (source scripts/browser.sh)');
  const require = createRequire(join(nodePath, 'resolve-from-here.js'));
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Throws `message` unless `condition` holds. */
export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs the named cases in order; prints `ok <name>` for each, exits 1 at the first failure. */
export async function runCases(cases) {
  for (const [name, run] of cases) {
    try {
      await run();
      console.log(`ok ${name}`);
    } catch (error) {
      console.log(`FAIL ${name}: ${error.stack ?? error}`);
      return 1;
    }
  }
  return 0;
}
