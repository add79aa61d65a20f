// The dashboard's shell in a real browser against the real service: sign-in refused and
// accepted, the session cookie's flags, navigation, times in the browser's time zone,
// uPlot loading, the Content-Security-Policy blocking inline script, a hostile name shown
// as text, sign-out. Usage: node dashboard_shell.mjs <base-url> <screenshot-dir>, with
// LKA_TEST_DASHBOARD_{KEY,SECRET} (an ordinary key) and LKA_TEST_DASHBOARD_HOSTILE_{KEY,SECRET}
// (a key named `<img src=x onerror=alert(1)>`) in the environment.

import { join } from 'node:path';

import { expect, launchChromium, runCases, settings } from './harness.mjs';

const { baseUrl, screenshotDir } = settings();
const key = process.env.LKA_TEST_DASHBOARD_KEY;
const secret = process.env.LKA_TEST_DASHBOARD_SECRET;
const hostileKey = process.env.LKA_TEST_DASHBOARD_HOSTILE_KEY;
const hostileSecret = process.env.LKA_TEST_DASHBOARD_HOSTILE_SECRET;

const browser = await launchChromium();
const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
const page = await context.newPage();
page.setDefaultTimeout(10_000);
const dialogs = [];
const pageErrors = [];
const requestedUrls = [];
page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
page.on('pageerror', (error) => pageErrors.push(String(error)));
page.on('request', (request) => requestedUrls.push(request.url()));

const shot = (name) => page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });

async function signIn(apiKey, apiSecret) {
  await page.fill('#api-key', apiKey);
  await page.fill('#api-secret', apiSecret);
  await page.click('#sign-in-button');
}

const cases = [
  ['the sign-in form is served with a Content-Security-Policy', async () => {
    const response = await page.goto(`${baseUrl}/`);
    const policy = response.headers()['content-security-policy'] ?? '';
    expect(policy.includes("script-src 'self'"), `CSP header: ${policy}`);
    expect(!policy.includes('unsafe-inline'), `CSP allows inline: ${policy}`);
    await page.waitForSelector('#sign-in-form', { state: 'visible' });
    await shot('sign-in');
  }],
  ['wrong credentials are refused with a message', async () => {
    await signIn(key, `${secret}-wrong`);
    await page.waitForFunction(() => document.getElementById('sign-in-error').textContent !== '');
    const message = await page.textContent('#sign-in-error');
    expect(message === 'wrong API key or secret', `message: ${message}`);
    expect(await page.isHidden('#shell'), 'the shell is shown after a refusal');
    await shot('sign-in-refused');
  }],
  ['right credentials show the shell and set an HttpOnly, SameSite=Strict cookie', async () => {
    await signIn(key, secret);
    await page.waitForSelector('#shell', { state: 'visible' });
    expect((await page.textContent('#view h2')) === 'Overview', 'the overview is the first view');
    const who = await page.textContent('#signed-in-as strong');
    expect(who === key, `signed in as ${who}`);
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'lka_dashboard');
    expect(cookie, 'no session cookie');
    expect(cookie.httpOnly && cookie.sameSite === 'Strict', `cookie flags: ${JSON.stringify({ ...cookie, value: '…' })}`);
    expect(cookie.expires > Date.now() / 1000, 'the cookie has no expiry');
    expect(await page.evaluate(() => !document.cookie.includes('lka_dashboard')), 'scripts can read the cookie');
    await shot('shell-overview');
  }],
  ['the navigation shows each view and times are in the browser time zone', async () => {
    for (const [view, title] of [['sessions', 'Sessions'], ['session', 'Session'], ['participant', 'Participant'], ['overview', 'Overview']]) {
      await page.click(`#nav a[data-view="${view}"]`);
      await page.waitForFunction((t) => document.querySelector('#view h2')?.textContent === t, title);
      const current = await page.getAttribute(`#nav a[data-view="${view}"]`, 'aria-current');
      expect(current === 'page', `${view} is not marked current`);
    }
    const footer = await page.textContent('#footer');
    expect(footer.includes('Asia/Tokyo'), `footer: ${footer}`);
  }],
  ['uPlot is served from the binary and draws a chart', async () => {
    const drawn = await page.evaluate(async () => {
      const { lineChart } = await import('/assets/js/chart.js');
      const container = document.createElement('div');
      document.getElementById('view').append(container);
      const chart = await lineChart(container, { title: 'test', times: [1, 2, 3], series: [{ label: 'score', values: [4, 3.5, 4.5] }] });
      const points = chart.data[0].length;
      chart.destroy();
      container.remove();
      return { points, canvas: container.querySelector('canvas') !== null || points === 3 };
    });
    expect(drawn.points === 3, `chart points: ${JSON.stringify(drawn)}`);
  }],
  ['the Content-Security-Policy blocks an inline script', async () => {
    const outcome = await page.evaluate(() => new Promise((resolve) => {
      let violated = null;
      document.addEventListener('securitypolicyviolation', (e) => { violated = e.violatedDirective; });
      const script = document.createElement('script');
      script.textContent = 'window.__inlineScriptRan = true;';
      document.body.append(script);
      setTimeout(() => resolve({ ran: window.__inlineScriptRan === true, violated }), 200);
    }));
    expect(!outcome.ran, 'the inline script ran');
    expect(outcome.violated?.startsWith('script-src'), `violation: ${outcome.violated}`);
  }],
  ['sign-out ends the session on the server', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in-form', { state: 'visible' });
    expect((await context.cookies()).every((c) => c.name !== 'lka_dashboard'), 'the cookie is still set');
    await page.reload();
    await page.waitForSelector('#sign-in-form', { state: 'visible' });
    await shot('signed-out');
  }],
  ['a hostile name is shown as text, never as markup', async () => {
    await signIn(hostileKey, hostileSecret);
    await page.waitForSelector('#shell', { state: 'visible' });
    const shown = await page.textContent('#signed-in-as strong');
    expect(shown === hostileKey, `shown: ${shown}`);
    expect((await page.$$('#signed-in-as img')).length === 0, 'the name became an <img>');
    await page.waitForTimeout(200);
    expect(dialogs.length === 0, `dialogs: ${dialogs}`);
    await shot('hostile-name');
  }],
  ['no secret was ever in a URL and no script failed', async () => {
    const leaking = requestedUrls.filter((url) => url.includes(secret) || url.includes(hostileSecret));
    expect(leaking.length === 0, `secret in URL: ${leaking}`);
    expect(pageErrors.length === 0, `page errors: ${pageErrors}`);
  }],
];

const code = await runCases(cases);
await browser.close();
process.exit(code);
