// The dashboard: per-minute traffic and the queue, from GET /api/v1/history, drawn with uPlot.
import uPlot from './vendor/uPlot.esm.js';
import { get } from './api.js';

// nested bars, each narrower than the one before, so that all five stay visible in one minute's slot
const SERIES = [
  { key: 'received', label: 'Received', stroke: '#1f5fbf', fill: '#1f5fbf33', size: 0.95 },
  { key: 'delivered', label: 'Delivered', stroke: '#1a7f37', fill: '#1a7f3766', size: 0.75 },
  { key: 'deferred', label: 'Deferred', stroke: '#b35900', fill: '#b3590099', size: 0.55 },
  { key: 'bounced', label: 'Bounced', stroke: '#b3261e', fill: '#b3261ebb', size: 0.4 },
  { key: 'refused', label: 'Refused', stroke: '#6e40aa', fill: '#6e40aadd', size: 0.25 },
];

let traffic = null;
let queue = null;

function width(id) {
  return Math.max(280, document.getElementById(id).clientWidth || 600);
}

// half a minute of room on each side, so that the first and the current minute's bars are whole
const X_RANGE = (u, min, max) => [min - 30, max + 30];

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
    scales: { x: { time: true, range: X_RANGE } },
    series: [{}, ...SERIES.map((s) => ({
      label: s.label,
      stroke: s.stroke,
      fill: s.fill,
      width: 1,
      paths: uPlot.paths.bars({ size: [s.size, 40], align: 0 }),
      points: { show: false },
    }))],
    axes: [{}, { label: 'messages / min' }],
  }, trafficData(h), document.getElementById('traffic-chart'));
  queue = new uPlot({
    width: width('queue-chart'),
    height: 200,
    scales: { x: { time: true, range: X_RANGE }, age: {} },
    series: [{},
      { label: 'Queued messages', stroke: '#1f5fbf', width: 2, points: { show: true, size: 6 } },
      { label: 'Oldest (min)', stroke: '#b35900', width: 2, scale: 'age', points: { show: true, size: 6 } }],
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
  document.getElementById('dashboard-title').textContent = `Traffic, last ${hourOnly ? 'hour' : '24 hours'}`;
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
