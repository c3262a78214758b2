// The console's entry: which view is shown, logging in, and keeping the shown view fresh.
import { authorization, setAuthorization, basic, get } from './api.js';
import { say } from './dom.js';
import { refreshDashboard, resizeCharts } from './dashboard.js';
import { refreshQueue, wireQueue } from './queue.js';
import { refreshDomains, refreshChecks, refreshUsers, refreshDkim, wireSettings } from './settings.js';

const VIEWS = {
  dashboard: refreshDashboard,
  queue: refreshQueue,
  domains: refreshDomains,
  checks: refreshChecks,
  users: refreshUsers,
  dkim: refreshDkim,
};
const REFRESH_MS = 15000;
let current = 'dashboard';
let timer = null;

function showOnly(id) {
  document.querySelectorAll('main > .view').forEach((v) => { v.hidden = v.id !== id; });
  document.querySelectorAll('nav button').forEach((b) => {
    if (b.dataset.view === id) {
      b.setAttribute('aria-current', 'page');
    } else {
      b.removeAttribute('aria-current');
    }
  });
}

function askLogin(why) {
  clearInterval(timer);
  showOnly('login');
  document.getElementById('login-why').textContent = why;
  document.getElementById('login-user').focus();
}

function unauthorized(e) {
  setAuthorization(null);
  document.getElementById('logout').hidden = true;
  askLogin(e.code === 'token_required' || e.code === 'bad_token'
    ? `This change needs the admin token: ${e.message}` : `Log in: ${e.message}`);
}

async function load(view) {
  try {
    await VIEWS[view]();
  } catch (e) {
    if (e.status !== 401) {
      say(e.message, true);
    }
  }
}

export function show(view) {
  current = view;
  showOnly(view);
  // '#/view', not '#view': the latter would scroll the page to the section of that id
  history.replaceState(null, '', `#/${view}`);
  clearInterval(timer);
  load(view);
  if (view === 'dashboard' || view === 'queue') {
    timer = setInterval(() => load(current), REFRESH_MS);
  }
}

function wire() {
  document.querySelectorAll('nav button').forEach((b) => b.addEventListener('click', () => show(b.dataset.view)));
  document.getElementById('dashboard-hour').addEventListener('change', () => load('dashboard'));
  document.getElementById('logout').addEventListener('click', () => {
    setAuthorization(null);
    document.getElementById('logout').hidden = true;
    askLogin('Logged out.');
  });
  document.getElementById('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const user = document.getElementById('login-user').value.trim();
    const password = document.getElementById('login-password').value;
    const token = document.getElementById('login-token').value.trim();
    setAuthorization(token ? `Bearer ${token}` : basic(user, password));
    document.getElementById('login-password').value = '';
    document.getElementById('login-token').value = '';
    try {
      await get('/api/v1/queue/summary');
      say('Logged in');
      document.getElementById('logout').hidden = false;
      show(current === 'login' ? 'dashboard' : current);
    } catch (e) {
      setAuthorization(null);
      askLogin(`Refused: ${e.message}`);
    }
  });
  window.addEventListener('karavel-unauthorized', (event) => unauthorized(event.detail));
  window.addEventListener('resize', resizeCharts);
  window.addEventListener('hashchange', () => {
    const view = location.hash.replace(/^#\/?/, '');
    if (VIEWS[view] && view !== current) {
      show(view);
    }
  });
  wireQueue();
  wireSettings();
}

wire();
const start = location.hash.replace(/^#\/?/, '');
document.getElementById('logout').hidden = authorization() === null;
show(VIEWS[start] ? start : 'dashboard');
