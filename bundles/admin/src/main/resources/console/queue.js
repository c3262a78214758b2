// The queue by domain and age, one message's detail, and the actions: retry, bounce, delete.
import { get, post, del, seg } from './api.js';
import { el, rows, cell, button, age, say } from './dom.js';

let shownDomain = null;
let openId = null;

export async function refreshQueue() {
  const summary = await get('/api/v1/queue/summary');
  rows('queue-domains', summary.domains, (d) => el('tr', { dataset: { domain: d.domain } },
    cell(d.domain), cell(d.messages), cell(d.recipients), cell(age(d.oldestAgeSeconds)),
    cell(d.suspended === null ? '?' : (d.suspended ? 'yes' : 'no')),
    cell(button('Messages', () => showMessages(d.domain)),
      ' ', button('Retry now', () => act(() => post(`/api/v1/queue/flush?domain=${seg(d.domain)}`),
        `Retrying ${d.domain} now`)))), 'The queue is empty');
  await showMessages(shownDomain);
}

async function showMessages(domain) {
  shownDomain = domain;
  const query = domain ? `?domain=${seg(domain)}&limit=200` : '?limit=200';
  const list = await get(`/api/v1/queue/messages${query}`);
  document.getElementById('queue-messages-caption').textContent =
    `Messages${domain ? ` for ${domain}` : ''}: ${list.returned} of ${list.total}`;
  rows('queue-messages', list.messages, (m) => el('tr', { dataset: { id: m.id } },
    cell(button(m.id, () => openMessage(m.id), 'link')), cell(m.from || '<>'), cell(m.to.join(', ')),
    cell(new Date(m.receivedAt).toLocaleString()), cell(m.attempts), cell(new Date(m.nextAttempt).toLocaleString())),
  'No messages');
}

async function openMessage(id) {
  const m = await get(`/api/v1/queue/messages/${seg(id)}`);
  openId = id;
  const detail = document.getElementById('message-detail');
  detail.hidden = false;
  detail.dataset.id = id;
  document.getElementById('message-title').textContent = `Message ${id}`;
  const env = document.getElementById('message-envelope');
  env.replaceChildren();
  [['From', m.envelope.from || '<>'], ['Received', m.envelope.receivedAt], ['Origin', m.envelope.origin],
    ['Client', m.envelope.client], ['Size', `${m.size} octets`], ['Attempts', m.attempts],
    ['Next attempt', m.nextAttempt]].forEach(([k, v]) => env.append(el('dt', {}, k), el('dd', {}, v)));
  rows('message-recipients', m.recipients, (r) => el('tr', {},
    cell(r.address), cell(r.state), cell(r.lastReply || ''), cell(r.remoteHost || '')));
  document.getElementById('message-title').focus();
}

async function act(action, done) {
  try {
    await action();
    say(done);
  } catch (e) {
    say(`Refused: ${e.message}`, true);
  }
  await refreshQueue().catch((e) => say(e.message, true));
}

function closeDetail() {
  document.getElementById('message-detail').hidden = true;
  openId = null;
}

export function wireQueue() {
  document.getElementById('queue-refresh').addEventListener('click', () => refreshQueue().catch((e) => say(e.message, true)));
  document.getElementById('queue-flush-all').addEventListener('click',
    () => act(() => post('/api/v1/queue/flush'), 'Retrying every queued message now'));
  document.getElementById('message-flush').addEventListener('click',
    () => act(() => post(`/api/v1/queue/messages/${seg(openId)}/flush`), `Retrying ${openId} now`));
  document.getElementById('bounce-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = openId;
    const reason = document.getElementById('bounce-reason').value.trim();
    if (!window.confirm(`Bounce ${id}? Its sender gets a delivery status notification saying: ${reason}`)) {
      return;
    }
    act(async () => { await post(`/api/v1/queue/messages/${seg(id)}/bounce`, { reason }); closeDetail(); },
      `Bounced ${id}`);
  });
  document.getElementById('message-delete').addEventListener('click', () => {
    const id = openId;
    if (!window.confirm(`Delete ${id} without telling its sender? This loses the message.`)) {
      return;
    }
    act(async () => { await del(`/api/v1/queue/messages/${seg(id)}`); closeDetail(); }, `Deleted ${id}`);
  });
}
