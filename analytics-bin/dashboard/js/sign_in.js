// The sign-in form: posts the API key and secret as JSON and reports a refusal in words.

import { signIn } from './api.js';
import { byId } from './dom.js';

/** Shows the form; `onSignedIn(session)` runs once a sign-in succeeds. */
export function showSignIn(onSignedIn) {
  const form = byId('sign-in-form');
  const error = byId('sign-in-error');
  const button = byId('sign-in-button');
  byId('sign-in').hidden = false;
  byId('api-key').focus();
  form.onsubmit = async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      const answer = await signIn(byId('api-key').value, byId('api-secret').value);
      if (answer.ok) {
        byId('api-secret').value = '';
        byId('sign-in').hidden = true;
        onSignedIn(answer.data);
      } else {
        error.textContent = answer.data?.error ?? `sign-in failed (HTTP ${answer.status})`;
      }
    } catch (failure) {
      error.textContent = `the service cannot be reached: ${failure.message}`;
    } finally {
      button.disabled = false;
    }
  };
}
