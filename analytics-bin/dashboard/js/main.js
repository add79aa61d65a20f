// The dashboard's entry point: the shell when a session is open, else the sign-in form.

import { currentSession } from './api.js';
import { byId } from './dom.js';
import { showShell } from './shell.js';
import { showSignIn } from './sign_in.js';

function signInThenShell() {
  showSignIn((session) => showShell(session, signInThenShell));
}

async function start() {
  const session = await currentSession();
  byId('loading').hidden = true;
  if (session) showShell(session, signInThenShell);
  else signInThenShell();
}

start();
