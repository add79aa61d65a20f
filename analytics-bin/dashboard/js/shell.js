// The page shell once signed in: navigation between the views (the location hash), who is
// signed in and until when (in the browser's time zone), and sign-out.

import { signOut } from './api.js';
import { byId, element, show } from './dom.js';
import { formatTime, timeZoneName } from './time.js';
import { viewName, views } from './views.js';

function render() {
  const name = viewName(window.location.hash);
  for (const link of byId('nav').querySelectorAll('a[data-view]')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  show(byId('view'), ...views[name]());
}

/** Shows the shell for `session` ({api_key, expires_at}); `onSignedOut` runs after sign-out. */
export function showShell(session, onSignedOut) {
  show(byId('signed-in-as'), 'Signed in as ', element('strong', { text: session.api_key }),
    ` until ${formatTime(session.expires_at)}`);
  show(byId('footer'), `Times in ${timeZoneName()}.`);
  byId('shell').hidden = false;
  window.onhashchange = render;
  byId('sign-out').onclick = async () => {
    await signOut();
    window.onhashchange = null;
    byId('shell').hidden = true;
    onSignedOut();
  };
  render();
}
