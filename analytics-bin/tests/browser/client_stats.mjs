// The browser stats collector end to end: a small static server (the app's origin) serves
// client_stats.html and livekit-client's ES module; the page imports the collector from the
// analytics service's /client/livekit-analytics.js, makes a call in loopback with the fake
// camera and microphone wrapped in livekit-client's track classes, and runs the collector
// against the real service, posting cross-origin under the participant's token. It measures
// what the collector costs: main-thread time per tick (its onTick), Chrome's ScriptDuration
// with and without it (CDP Performance.getMetrics), and bytes posted per minute per track.
//
// Arguments: <analytics-base-url> <screenshot-dir>. Environment: LKA_TEST_BROWSER_NODE_PATH,
// LKA_TEST_CLIENT_JS_DIR (clients/js, with node_modules), LKA_TEST_CLIENT_APP_PORT (the
// page's origin http://127.0.0.1:<port>, configured in cors_origins), LKA_TEST_CLIENT_TOKEN,
// LKA_TEST_CLIENT_PARTICIPANT_SID, LKA_TEST_CLIENT_ROOM_SID, LKA_TEST_CLIENT_SECONDS
// (default 35), LKA_TEST_CLIENT_INTERVAL_MS (default 5000).

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, expect, runCases, settings } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { baseUrl, screenshotDir } = settings();
const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const clientJs = env('LKA_TEST_CLIENT_JS_DIR');
const appPort = Number(env('LKA_TEST_CLIENT_APP_PORT'));
const token = env('LKA_TEST_CLIENT_TOKEN');
const participantSid = env('LKA_TEST_CLIENT_PARTICIPANT_SID');
const roomSid = env('LKA_TEST_CLIENT_ROOM_SID');
const seconds = Number(env('LKA_TEST_CLIENT_SECONDS', '35'));
const intervalMs = Number(env('LKA_TEST_CLIENT_INTERVAL_MS', '5000'));
const CONTROL_SECONDS = 10;

const files = {
  '/': ['text/html', join(here, 'client_stats.html')],
  '/vendor/livekit-client.esm.mjs': ['text/javascript', join(clientJs, 'node_modules/livekit-client/dist/livekit-client.esm.mjs')],
};
const app = createServer((request, response) => {
  const file = files[new URL(request.url, 'http://app').pathname];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'Content-Type': file[0] }).end(readFileSync(file[1]));
});
await new Promise((resolve) => app.listen(appPort, '127.0.0.1', resolve));
const appUrl = `http://127.0.0.1:${appPort}`;

const { chromium } = createRequire(join(env('LKA_TEST_BROWSER_NODE_PATH'), 'x.js'))('playwright-core');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
});
const page = await browser.newPage();
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(String(error)));
await page.addInitScript(({ participantSid, roomSid }) => {
  window.LKA = { participantSid, roomSid };
}, { participantSid, roomSid });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');

/** Chrome's ScriptDuration and TaskDuration (seconds of main-thread time) so far. */
async function metrics() {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  const value = (name) => list.find((m) => m.name === name)?.value ?? 0;
  return { script: value('ScriptDuration'), task: value('TaskDuration') };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let tracks = 0;
let control;
let collected;
let results;

const failed = await runCases([
  ['page imports livekit-client and the served collector cross-origin, call connected', async () => {
    await page.goto(`${appUrl}/`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 15_000 });
    const started = await page.evaluate((args) => window.startCall(args), { analyticsUrl: baseUrl, token, intervalMs });
    expect(started.livekitLocal, 'local tracks are livekit-client LocalTrackPublication/LocalTrack');
    expect(started.livekitRemote, 'remote tracks are livekit-client RemoteTrackPublication/RemoteTrack');
    tracks = started.tracks;
    expect(tracks === 4, `four tracks, got ${tracks}`);
  }],
  [`control: the call alone for ${CONTROL_SECONDS} s`, async () => {
    const before = await metrics();
    await sleep(CONTROL_SECONDS * 1000);
    const after = await metrics();
    control = { script: after.script - before.script, task: after.task - before.task, seconds: CONTROL_SECONDS };
  }],
  [`the collector posts for ${seconds} s, every answer 202`, async () => {
    const before = await metrics();
    const started = Date.now();
    await page.evaluate(() => window.startCollector());
    await sleep(seconds * 1000);
    await page.evaluate(() => window.stopCollector());
    const elapsed = (Date.now() - started) / 1000;
    const after = await metrics();
    collected = { script: after.script - before.script, task: after.task - before.task, seconds: elapsed };
    results = await page.evaluate(() => window.results());
    const statuses = results.posts.map((p) => p.status);
    expect(results.posts.length >= Math.floor((seconds * 1000) / intervalMs) - 1,
      `a post per interval: ${JSON.stringify(results.posts)}`);
    expect(statuses.every((s) => s === 202), `statuses ${statuses}; errors ${results.errors}`);
    const kinds = new Set(results.posts.flatMap((p) => p.kinds));
    expect(kinds.has('UPSTREAM') && kinds.has('DOWNSTREAM'), `kinds ${[...kinds]}`);
    expect(results.errors.length === 0, `collector errors: ${results.errors}`);
    expect(pageErrors.length === 0, `page errors: ${pageErrors}`);
  }],
  ['cost per track is measured', async () => {
    const minutes = collected.seconds / 60;
    const ticks = results.ticks;
    const mainThread = ticks.map((t) => t.mainThreadMs);
    const sum = (values) => values.reduce((a, b) => a + b, 0);
    const bytes = sum(results.posts.map((p) => p.bytes));
    const records = sum(results.posts.map((p) => p.records));
    const perMinute = (value, window) => value / (window.seconds / 60);
    const cost = {
      seconds: Math.round(collected.seconds),
      interval_ms: intervalMs,
      tracks,
      ticks: ticks.length,
      posts: results.posts.length,
      records,
      tick_main_thread_ms_mean: sum(mainThread) / ticks.length,
      tick_main_thread_ms_max: Math.max(...mainThread),
      tick_wall_ms_mean: sum(ticks.map((t) => t.wallMs)) / ticks.length,
      collector_main_thread_ms_per_minute_per_track: sum(mainThread) / minutes / tracks,
      chrome_script_ms_per_minute_with_collector: perMinute(collected.script * 1000, collected),
      chrome_script_ms_per_minute_without: perMinute(control.script * 1000, control),
      chrome_task_ms_per_minute_with_collector: perMinute(collected.task * 1000, collected),
      chrome_task_ms_per_minute_without: perMinute(control.task * 1000, control),
      bytes_posted_per_record: bytes / records,
      bytes_posted_per_minute_per_track: bytes / minutes / tracks,
    };
    const rounded = Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Math.round(v * 100) / 100]));
    console.log(`cost ${JSON.stringify(rounded)}`);
    expect(ticks.length > 0 && records > 0, 'ticks and records were counted');
  }],
]);

await page.screenshot({ path: join(screenshotDir, 'client-stats.png') }).catch(() => {});
await browser.close();
app.close();
process.exit(failed);
