// Suspended domains and shaping, status checks, users and aliases, DKIM keys.
import { get, post, del, seg } from './api.js';
import { el, rows, cell, button, say } from './dom.js';

async function act(action, done, refresh) {
  try {
    await action();
    say(done);
  } catch (e) {
    say(`Refused: ${e.message}`, true);
  }
  await refresh().catch((e) => say(e.message, true));
}

export async function refreshDomains() {
  const suspended = await get('/api/v1/domains/suspended');
  rows('suspended-domains', suspended.domains, (d) => el('tr', { dataset: { domain: d } }, cell(d),
    cell(button('Resume', () => act(() => post(`/api/v1/domains/${seg(d)}/resume`), `Resumed ${d}`, refreshDomains)))),
  'No domain is suspended');
  try {
    const shaping = await get('/api/v1/shaping');
    rows('shaping-sites', shaping.sites, (s) => el('tr', {}, cell(s.site), cell(s.connections),
      cell(s.sent_last_minute), cell(s.max_connections), cell(s.suspended_until || '')), 'No site');
    rows('shaping-actions', shaping.actions, (a) => el('tr', {}, cell(a.site), cell(a.action), cell(a.until),
      cell(a.rule), cell(a.reply || '')), 'No active reaction');
  } catch (e) {
    rows('shaping-sites', [], null, `Shaping: ${e.message}`);
    rows('shaping-actions', [], null, '');
  }
}

const ORDER = { error: 0, warning: 1, ok: 2 };

/** Runs the checks (as Mail-in-a-Box's status page does when opened): a fresh report, not yesterday's. */
export async function refreshChecks() {
  say('Running the status checks...');
  const report = await get('/api/v1/status-checks');
  document.getElementById('checks-summary').textContent =
    `${report.errors} errors, ${report.warnings} warnings, ${report.ok} ok (${new Date(report.at).toLocaleString()})`;
  const findings = [...report.findings].sort((a, b) => ORDER[a.level] - ORDER[b.level]);
  rows('checks-findings', findings, (f) => el('tr', { className: `level-${f.level}`, dataset: { check: f.check } },
    cell(el('span', { className: 'badge' }, f.level)), cell(f.check), cell(f.subject), cell(f.found), cell(f.fix || '')));
  say('');
}

export async function refreshUsers() {
  const users = await get('/api/v1/users');
  rows('users-list', users.users, (u) => el('tr', { dataset: { user: u } }, cell(u), cell(
    button('Change password', () => {
      const password = window.prompt(`New password for ${u}`);
      if (password) {
        act(() => post(`/api/v1/users/${seg(u)}/password`, { password }), `Password of ${u} changed`, refreshUsers);
      }
    }), ' ',
    button('Remove', () => {
      if (window.confirm(`Remove user ${u}? They can no longer log in.`)) {
        act(() => del(`/api/v1/users/${seg(u)}`), `Removed ${u}`, refreshUsers);
      }
    }, 'danger'))), 'No users');
  const aliases = await get('/api/v1/aliases');
  rows('aliases-list', aliases.aliases, (a) => el('tr', { dataset: { alias: a.address } }, cell(a.address),
    cell(a.targets.join(', ')), cell(button('Remove', () => {
      if (window.confirm(`Remove alias ${a.address}?`)) {
        act(() => del(`/api/v1/aliases/${seg(a.address)}`), `Removed ${a.address}`, refreshUsers);
      }
    }, 'danger'))), 'No aliases');
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    say(`Copied the ${what} record`);
  } catch (e) {
    say(`Cannot copy here (${e.message}): select the record and copy it`, true);
  }
}

export async function refreshDkim() {
  const dkim = await get('/api/v1/dkim');
  rows('dkim-keys', dkim.keys, (k) => el('tr', { dataset: { name: k.name } }, cell(k.domain), cell(k.selector),
    cell(`${k.algorithm}${k.algorithm === 'rsa' ? ` ${k.bits}` : ''}`), cell(k.active ? 'yes' : 'no'),
    cell(el('code', { className: 'record' }, k.record)),
    cell(button('Copy', () => copy(k.record, k.name)))), 'No keys: make one with mta:dkim-keygen');
}

export function wireSettings() {
  document.getElementById('suspend-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('suspend-domain');
    const d = input.value.trim();
    act(() => post(`/api/v1/domains/${seg(d)}/suspend`), `Suspended delivery to ${d}`, refreshDomains)
      .then(() => { input.value = ''; });
  });
  document.getElementById('checks-run').addEventListener('click', () => refreshChecks().catch((e) => say(e.message, true)));
  document.getElementById('user-add-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const user = document.getElementById('new-user').value.trim();
    const password = document.getElementById('new-password').value;
    act(async () => {
      await post('/api/v1/users', { user, password });
      document.getElementById('new-user').value = '';
      document.getElementById('new-password').value = '';
    }, `Added user ${user}`, refreshUsers);
  });
  document.getElementById('alias-add-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const address = document.getElementById('alias-address').value.trim();
    const targets = document.getElementById('alias-targets').value.split(',').map((t) => t.trim()).filter(Boolean);
    act(() => post('/api/v1/aliases', { address, targets }), `Added alias ${address}`, refreshUsers);
  });
}
