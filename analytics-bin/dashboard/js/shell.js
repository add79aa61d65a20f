// The page shell once signed in: navigation between the views (the location hash), who is
// signed in and until when (in the browser's time zone), and sign-out. Each view renders
// into a fresh element and gets an `app` context: `onLeave(fn)` and `every(ms, fn)` (timers
// stopped when the view is left), `signedOut(message)` (after a 401).

import { signOut } from './api.js';
import { destroyChartsIn } from './chart.js';
import { byId, element, show } from './dom.js';
import { parseRoute } from './route.js';
import { formatTime, timeZoneName } from './time.js';
import { viewName, views } from './views.js';

let leaveHandlers = [];
let endShell = () => {};

function leaveView() {
  for (const handler of leaveHandlers.splice(0)) {
    try {
      handler();
    } catch (failure) {
      console.error(failure);
    }
  }
}

function render() {
  leaveView();
  const route = parseRoute(window.location.hash);
  const name = viewName(window.location.hash);
  for (const link of byId('nav').querySelectorAll('a[data-view]')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const root = element('div', { className: 'view-root', attributes: { 'data-view': name } });
  show(byId('view'), root);
  let left = false;
  const app = {
    onLeave(handler) { leaveHandlers.push(handler); },
    every(millis, task) {
      const timer = window.setInterval(() => { if (!left) task(); }, millis);
      leaveHandlers.push(() => window.clearInterval(timer));
    },
    isLeft: () => left,
    signedOut: (message) => endShell(message),
    /** Points the nav link of `view` at `hash` (the last session or participant opened). */
    remember(view, hash) {
      const link = byId('nav').querySelector(`a[data-view="${view}"]`);
      if (link) link.setAttribute('href', hash);
    },
  };
  leaveHandlers.push(() => { left = true; destroyChartsIn(root); });
  Promise.resolve()
    .then(() => views[name](root, route, app))
    .catch((failure) => {
      console.error(failure);
      if (!left) root.append(element('p', { className: 'notice error-box', text: `This view failed: ${failure.message}` }));
    });
}

/** Shows the shell for `session` ({api_key, expires_at}); `onSignedOut` runs after sign-out. */
export function showShell(session, onSignedOut) {
  show(byId('signed-in-as'), 'Signed in as ', element('strong', { text: session.api_key }),
    ` until ${formatTime(session.expires_at)}`);
  show(byId('footer'), `Times in ${timeZoneName()}.`);
  byId('shell').hidden = false;
  window.onhashchange = render;
  endShell = (message) => {
    leaveView();
    window.onhashchange = null;
    byId('shell').hidden = true;
    show(byId('view'));
    onSignedOut();
    if (message) byId('sign-in-error').textContent = message;
  };
  byId('sign-out').onclick = async () => {
    await signOut();
    endShell();
  };
  render();
}

