// The dashboard's data views in a real browser against the real service holding the
// sessions of analytics-bin/tests/integration/dashboard_views_data.rs: the overview's
// counts, the sessions list (filters, order, "Load more"), a session's timeline of 100
// participants with a reconnect, a participant's charts (uPlot data length), an open
// session refreshing itself, hostile names shown as text, a 401 sending back to sign-in.
// Usage: node dashboard_views.mjs <base-url> <screenshot-dir>, with
// LKA_TEST_DASHBOARD_{KEY,SECRET} and LKA_TEST_DASHBOARD_EXPECT (JSON) in the environment.

import { join } from 'node:path';

import { expect, launchChromium, runCases, settings } from './harness.mjs';

const { baseUrl, screenshotDir } = settings();
const key = process.env.LKA_TEST_DASHBOARD_KEY;
const secret = process.env.LKA_TEST_DASHBOARD_SECRET;
const want = JSON.parse(process.env.LKA_TEST_DASHBOARD_EXPECT ?? '{}');

const browser = await launchChromium();
const context = await browser.newContext({
  timezoneId: 'America/Sao_Paulo', locale: 'en-GB', viewport: { width: 1360, height: 900 },
});
// Counts every <img> element ever added to a page (none should be: no view shows images).
await context.addInitScript(() => {
  window.__imagesAdded = 0;
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.tagName === 'IMG' || node.querySelector('img')) window.__imagesAdded += 1;
      }
    }
  }).observe(document, { childList: true, subtree: true });
});
const page = await context.newPage();
page.setDefaultTimeout(15_000);
const dialogs = [];
const pageErrors = [];
const requests = [];
page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
page.on('pageerror', (error) => pageErrors.push(String(error)));
page.on('request', (request) => requests.push(request.url()));

const shot = (name, fullPage = true) => page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
const texts = (selector) => page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent));
const digits = (text) => Number(String(text).replace(/[^\d]/g, ''));

async function signIn(apiKey, apiSecret) {
  await page.fill('#api-key', apiKey);
  await page.fill('#api-secret', apiSecret);
  await page.click('#sign-in-button');
}

/** Waits until the view `name` has rendered `selector`. */
async function viewShows(name, selector) {
  await page.waitForSelector(`#view .view-root[data-view="${name}"] ${selector}`);
}

/** The uPlot charts in the view: title and data length of each (through chart.js's list). */
function chartsShown() {
  return page.evaluate(async () => {
    const { chartsIn } = await import('/assets/js/chart.js');
    return chartsIn(document.getElementById('view')).map((chart) => ({
      title: chart.root.dataset.chartTitle,
      subject: chart.root.parentElement?.closest('[data-series]')?.dataset.series ?? null,
      points: chart.data[0].length,
      series: chart.data.length - 1,
      labels: chart.series.slice(1).map((s) => s.label),
    }));
  });
}

async function noMarkupFromData() {
  await page.waitForTimeout(150);
  const images = await page.evaluate(() => window.__imagesAdded + document.images.length);
  expect(images === 0, `${images} <img> elements were created`);
  expect(dialogs.length === 0, `dialogs fired: ${dialogs}`);
}

async function openSessionsRow(roomName) {
  await page.goto(`${baseUrl}/#/sessions`);
  await viewShows('sessions', '.sessions-table tbody tr');
  const rows = await page.$$('.sessions-table tbody tr');
  for (const row of rows) {
    if ((await row.$eval('.room-name', (n) => n.textContent)) === roomName) {
      const href = await row.getAttribute('data-href');
      await row.click({ position: { x: 400, y: 8 } });
      await page.waitForFunction((h) => window.location.hash === h, href);
      return decodeURIComponent(href.split('/')[2]);
    }
  }
  throw new Error(`no row for room ${roomName}`);
}

let bigSession = null;
let hostileSession = null;

const cases = [
  ['the sign-in form', async () => {
    await page.goto(`${baseUrl}/`);
    await page.waitForSelector('#sign-in-form', { state: 'visible' });
    await shot('sign-in');
  }],
  ['wrong credentials are refused', async () => {
    await signIn(key, `${secret}-wrong`);
    await page.waitForFunction(() => document.getElementById('sign-in-error').textContent !== '');
    expect((await page.textContent('#sign-in-error')) === 'wrong API key or secret', 'refusal message');
    expect(await page.isHidden('#shell'), 'the shell is shown after a refusal');
  }],
  ['the overview shows the stored counts, per-day charts and the breakdown', async () => {
    await signIn(key, secret);
    await page.waitForSelector('#shell', { state: 'visible' });
    await viewShows('overview', '[data-card="sessions"] .card-value');
    const card = (name) => page.textContent(`[data-card="${name}"] .card-value`);
    expect(digits(await card('sessions')) === want.sessions, `sessions card: ${await card('sessions')}`);
    expect(digits(await card('unique_participants')) === want.unique_participants, `unique participants: ${await card('unique_participants')}`);
    expect(digits(await card('active_rooms')) === want.active_rooms, `active rooms: ${await card('active_rooms')}`);
    expect(digits(await card('active_participants')) === want.active_participants, `active participants: ${await card('active_participants')}`);
    expect(digits(await card('participant_minutes')) > 0, 'participant-minutes is 0');
    expect((await card('bandwidth')).match(/[kMG]B$/), `bandwidth: ${await card('bandwidth')}`);
    await page.waitForFunction(() => document.querySelectorAll('#view .uplot').length === 2);
    const charts = await chartsShown();
    expect(charts.length === 2 && charts.every((c) => c.points >= 1), `charts: ${JSON.stringify(charts)}`);
    const connections = (await texts('.breakdown-sdk tbody td.num')).map(digits).reduce((a, b) => a + b, 0);
    expect(connections === want.connections, `SDK connections: ${connections}, expected ${want.connections}`);
    for (const table of ['sdk', 'os', 'browser']) {
      expect((await page.$$(`.breakdown-${table} tbody tr`)).length > 0, `empty ${table} breakdown`);
    }
    await shot('overview');
  }],
  ['the range picker changes the range in the location', async () => {
    await page.click('button[data-range="7d"]');
    await page.waitForFunction(() => window.location.hash.includes('range=7d'));
    await viewShows('overview', '[data-card="sessions"] .card-value');
    expect((await page.getAttribute('button[data-range="7d"]', 'aria-pressed')) === 'true', '7d not pressed');
    expect(digits(await page.textContent('[data-card="sessions"] .card-value')) === want.sessions, 'sessions in 7 days');
  }],
  ['the sessions list shows every session, newest first, names as text', async () => {
    await page.click('#nav a[data-view="sessions"]');
    await viewShows('sessions', '.sessions-table tbody tr');
    const rooms = await texts('.sessions-table tbody .room-name');
    expect(JSON.stringify(rooms) === JSON.stringify([want.open_room, want.big_room, want.hostile_room]), `rooms: ${JSON.stringify(rooms)}`);
    await noMarkupFromData();
    await shot('sessions');
  }],
  ['the sessions filters: room prefix, status, order', async () => {
    await page.fill('#session-filters input[name="room_prefix"]', 'town');
    await page.click('#session-filters button[type="submit"]');
    await page.waitForFunction(() => window.location.hash.includes('room_prefix=town'));
    await viewShows('sessions', '.sessions-table tbody tr');
    expect(JSON.stringify(await texts('.sessions-table tbody .room-name')) === JSON.stringify([want.big_room]), 'prefix filter');
    await page.fill('#session-filters input[name="room_prefix"]', '');
    await page.selectOption('#session-filters select[name="status"]', 'active');
    await page.click('#session-filters button[type="submit"]');
    await page.waitForFunction(() => window.location.hash.includes('status=active') && !window.location.hash.includes('room_prefix'));
    await viewShows('sessions', '.sessions-table tbody tr');
    expect(JSON.stringify(await texts('.sessions-table tbody .room-name')) === JSON.stringify([want.open_room]), 'status filter');
    await page.selectOption('#session-filters select[name="status"]', '');
    await page.selectOption('#session-filters select[name="order"]', 'oldest');
    await page.click('#session-filters button[type="submit"]');
    await page.waitForFunction(() => window.location.hash.includes('order=oldest') && !window.location.hash.includes('status='));
    await viewShows('sessions', '.sessions-table tbody tr');
    const oldest = await texts('.sessions-table tbody .room-name');
    expect(oldest[0] === want.hostile_room && oldest.length === 3, `oldest first: ${JSON.stringify(oldest)}`);
    await page.fill('#session-filters input[name="identity"]', want.reconnecting);
    await page.click('#session-filters button[type="submit"]');
    await page.waitForFunction(() => window.location.hash.includes('identity='));
    await viewShows('sessions', '.sessions-table tbody tr');
    expect(JSON.stringify(await texts('.sessions-table tbody .room-name')) === JSON.stringify([want.big_room]), 'identity filter');
  }],
  ['"Load more" pages with the cursor', async () => {
    await page.goto(`${baseUrl}/#/sessions?limit=2`);
    await viewShows('sessions', '.sessions-table tbody tr');
    expect((await page.$$('.sessions-table tbody tr')).length === 2, 'first page');
    expect(await page.isVisible('#load-more'), 'no Load more button');
    await page.click('#load-more');
    await page.waitForFunction(() => document.querySelectorAll('.sessions-table tbody tr').length === 3);
    expect(await page.isHidden('#load-more'), 'Load more after the last page');
    const rooms = await texts('.sessions-table tbody .room-name');
    expect(new Set(rooms).size === 3, `rooms: ${JSON.stringify(rooms)}`);
  }],
  ['the hostile room and identity are shown as text in the session view', async () => {
    hostileSession = await openSessionsRow(want.hostile_room);
    await viewShows('session', '.timeline-row');
    expect((await page.textContent('.subtitle .room-name')) === want.hostile_room, 'subtitle room name');
    const identities = await texts('.timeline-row .identity');
    expect(identities.includes(want.hostile_identity) && identities.includes('mallory'), `identities: ${JSON.stringify(identities)}`);
    await noMarkupFromData();
    await shot('session-hostile');
  }],
  ['a hostile identity opens its participant view', async () => {
    const link = page.locator('.timeline-row .identity', { hasText: want.hostile_identity });
    await link.click();
    await viewShows('participant', '.subtitle .identity');
    expect((await page.textContent('.subtitle .identity')) === want.hostile_identity, 'participant identity');
    expect((await page.textContent('.subtitle .room-name')) === want.hostile_room, 'participant room');
    await noMarkupFromData();
  }],
  ['the session of 100 participants: timeline rows, a reconnect, tracks, egress', async () => {
    bigSession = await openSessionsRow(want.big_room);
    await viewShows('session', '.timeline-row');
    const rows = await page.$$('.timeline-row');
    expect(rows.length === want.big_room_participants, `${rows.length} timeline rows`);
    const reconnecting = `.timeline-row[data-identity="${want.reconnecting}"]`;
    expect((await page.$$(`${reconnecting} .bar`)).length === 2, 'the reconnect is not two bars');
    expect((await page.textContent(`${reconnecting} .badge-reconnect`)) === '1 reconnect', 'reconnect badge');
    const others = await page.$$eval('.timeline-row', (nodes) => nodes.filter((n) => n.querySelectorAll('.bar').length === 1).length);
    expect(others === want.big_room_participants - 1, `${others} rows with one bar`);
    const scrollable = await page.$eval('#timeline-rows', (n) => n.scrollHeight > n.clientHeight);
    expect(scrollable, 'the timeline does not scroll');
    expect((await page.$$('.tracks-table tbody tr')).length === want.publisher_tracks, 'tracks table');
    expect((await page.$$('.jobs-table tbody tr')).length === 1, 'egress table');
    expect((await page.$$('.quality-table tbody tr')).length === want.big_room_participants, 'quality table');
    expect((await page.$$('.events-table tbody tr')).length > 2 * want.big_room_participants, 'events list');
    await page.fill('.timeline-tools input[type="search"]', want.reconnecting);
    expect((await page.$$('.timeline-row:not([hidden])')).length === 1, 'identity filter of the timeline');
    await page.fill('.timeline-tools input[type="search"]', '');
    await shot('session', false);
  }],
  ['a participant: connections, tracks and charts of the series', async () => {
    await page.click(`.timeline-row[data-identity="${want.publisher}"] .identity`);
    await viewShows('participant', '.connections-table');
    const expectedCharts = 4 * (1 + want.publisher_tracks);
    await page.waitForFunction((n) => document.querySelectorAll('#view .uplot').length === n, expectedCharts, { timeout: 30_000 });
    const charts = await chartsShown();
    expect(charts.length === expectedCharts, `charts: ${JSON.stringify(charts)}`);
    const wrong = charts.filter((c) => c.points !== want.series_points);
    expect(wrong.length === 0, `charts without ${want.series_points} points: ${JSON.stringify(wrong)}`);
    const fromApi = await page.evaluate(async ([sid, identity]) => {
      const response = await fetch(`/v1/sessions/${encodeURIComponent(sid)}/participants/${encodeURIComponent(identity)}/series?points=120`);
      return (await response.json()).points.length;
    }, [bigSession, want.publisher]);
    expect(fromApi === want.series_points, `the API gives ${fromApi} points`);
    const browserCharts = charts.filter((c) => c.labels.some((label) => label.endsWith('(browser)')));
    const participantCharts = charts.filter((c) => c.subject === 'participant');
    expect(participantCharts.every((c) => browserCharts.includes(c)), `the participant's charts show the browser's report: ${JSON.stringify(participantCharts)}`);
    expect(browserCharts.length === 8, `the participant's and one track's charts show the browser's report: ${JSON.stringify(charts)}`);
    const note = await page.textContent('[data-series="participant"] p.muted');
    expect(note.includes('dashed: reported by the participants\' browsers'), `chart note: ${note}`);
    expect((await page.$$('.connections-table tbody tr')).length === 1, 'connections');
    expect((await page.$$('.tracks-table tbody tr')).length === want.publisher_tracks, 'tracks');
    await shot('participant');
  }],
  ['a reconnecting participant has two connections', async () => {
    await page.goto(`${baseUrl}/#/participant/${encodeURIComponent(bigSession)}/${encodeURIComponent(want.reconnecting)}`);
    await viewShows('participant', '.connections-table');
    expect((await page.$$('.connections-table tbody tr')).length === 2, 'connections of the reconnect');
  }],
  ['an open session refreshes itself every 12 s and stops when left', async () => {
    const openSession = await openSessionsRow(want.open_room);
    await viewShows('session', '.timeline-row');
    expect((await page.$$('.bar.open')).length === 1, 'no open bar');
    expect((await page.textContent('.refreshed')).includes('refreshed every 12 s'), 'refresh note');
    const detailUrl = `${baseUrl}/v1/sessions/${encodeURIComponent(openSession)}`;
    const fetched = () => requests.filter((url) => url === detailUrl).length;
    const before = fetched();
    await page.waitForTimeout(12_800);
    expect(fetched() === before + 1, `fetched ${fetched() - before} times in 12.8 s`);
    await page.click('#nav a[data-view="overview"]');
    await viewShows('overview', '[data-card="sessions"]');
    const left = fetched();
    await page.waitForTimeout(12_800);
    expect(fetched() === left, 'the refresh goes on after leaving the view');
  }],
  ['an ended session cookie sends the user back to sign-in', async () => {
    await context.clearCookies();
    await page.click('#nav a[data-view="sessions"]');
    await page.waitForSelector('#sign-in-form', { state: 'visible' });
    const message = await page.textContent('#sign-in-error');
    expect(message === 'Your session has ended: sign in again.', `message: ${message}`);
    await signIn(key, secret);
    await page.waitForSelector('#shell', { state: 'visible' });
  }],
  ['no markup from data, no dialog, no script error, no secret in a URL', async () => {
    await noMarkupFromData();
    expect(pageErrors.length === 0, `page errors: ${pageErrors}`);
    expect(requests.every((url) => !url.includes(secret)), 'a secret went into a URL');
  }],
];

const code = await runCases(cases);
if (code === 0) console.log('ok every case ran');
await browser.close();
process.exit(code);
