// The dashboard: per-minute traffic and the queue, from GET /api/v1/history, drawn with uPlot.
import uPlot from './vendor/uPlot.esm.js';
import { get } from './api.js';

const SERIES = [
  { key: 'received', label: 'Received', stroke: '#1f5fbf' },
  { key: 'delivered', label: 'Delivered', stroke: '#1a7f37' },
  { key: 'deferred', label: 'Deferred', stroke: '#b35900' },
  { key: 'bounced', label: 'Bounced', stroke: '#b3261e' },
  { key: 'refused', label: 'Refused', stroke: '#6e40aa' },
];

let traffic = null;
let queue = null;

function width(id) {
  return Math.max(280, document.getElementById(id).clientWidth || 600);
}

function trafficData(h) {
  return [h.t, ...SERIES.map((s) => h[s.key])];
}

function queueData(h) {
  return [h.t, h.queue, h.oldestAgeSeconds.map((v) => (v === null ? null : Math.round(v / 60)))];
}

function makeCharts(h) {
  traffic = new uPlot({
    width: width('traffic-chart'),
    height: 260,
    scales: { x: { time: true } },
    series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, spanGaps: false }))],
    axes: [{}, { label: 'messages / min' }],
  }, trafficData(h), document.getElementById('traffic-chart'));
  queue = new uPlot({
    width: width('queue-chart'),
    height: 200,
    scales: { x: { time: true }, age: {} },
    series: [{},
      { label: 'Queued messages', stroke: '#1f5fbf', width: 1.5 },
      { label: 'Oldest (min)', stroke: '#b35900', width: 1.5, scale: 'age' }],
    axes: [{}, { label: 'messages' }, { side: 1, scale: 'age', label: 'minutes', grid: { show: false } }],
  }, queueData(h), document.getElementById('queue-chart'));
}

function last(list) {
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i] !== null) {
      return list[i];
    }
  }
  return null;
}

/** Fetches the history and redraws; the tables under the charts carry the same figures as text. */
export async function refreshDashboard() {
  const hourOnly = document.getElementById('dashboard-hour').checked;
  const h = await get(`/api/v1/history?minutes=${hourOnly ? 60 : 1440}`);
  if (traffic === null) {
    makeCharts(h);
  } else {
    traffic.setData(trafficData(h));
    queue.setData(queueData(h));
  }
  const totals = document.getElementById('traffic-totals');
  SERIES.forEach((s) => {
    totals.querySelector(`td[data-series="${s.key}"]`).textContent = String(h.totals[s.key]);
    totals.dataset[s.key] = String(h.totals[s.key]);
  });
  const q = last(h.queue);
  const oldest = last(h.oldestAgeSeconds);
  const now = document.getElementById('queue-now');
  now.querySelector('td[data-series="queue"]').textContent = q === null ? '-' : String(q);
  now.querySelector('td[data-series="oldest"]').textContent = oldest === null ? '-' : String(Math.round(oldest / 60));
  now.dataset.queue = q === null ? '' : String(q);
  document.getElementById('dashboard').dataset.minutes = String(h.minutes);
  document.getElementById('dashboard').dataset.loaded = 'true';
}

export function resizeCharts() {
  if (traffic !== null) {
    traffic.setSize({ width: width('traffic-chart'), height: 260 });
    queue.setSize({ width: width('queue-chart'), height: 200 });
  }
}
