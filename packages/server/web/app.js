// The web view of the run service: a hash router over two views, and the
// token form shown when the API answers 401.
import { getToken, setToken } from './api.js';
import { executionView } from './execution.js';
import { listView } from './list.js';

const main = document.getElementById('app');
const authForm = document.getElementById('auth');
const tokenInput = document.getElementById('token');
const authMessage = document.getElementById('auth-message');
const forget = document.getElementById('forget-token');

let current;

function dispose() {
  current?.dispose();
  current = undefined;
}

function route() {
  dispose();
  authForm.hidden = true;
  main.hidden = false;
  main.replaceChildren();
  forget.hidden = !getToken();
  const hash = location.hash || '#/';
  const execution = /^#\/executions\/([^/?#]+)/.exec(hash);
  const context = { root: main, askToken };
  if (execution) {
    current = executionView(context, decodeURIComponent(execution[1]));
  } else {
    const query = new URLSearchParams(hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '');
    current = listView(context, query);
  }
}

/** The API answered 401: stop the view, ask for a token, then show the view again. */
function askToken() {
  dispose();
  main.hidden = true;
  authForm.hidden = false;
  authMessage.textContent = getToken() ? 'The service refused this token. Enter a valid one.' : 'This service needs an access token.';
  tokenInput.value = '';
  tokenInput.focus();
}

authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) return;
  setToken(token);
  route();
});

forget.addEventListener('click', () => {
  setToken('');
  route();
});

window.addEventListener('hashchange', route);
route();
