// The station page: one self-contained HTML document for the theatre's wall screen.
//   res.end(stationPageHtml);   // served at GET / by gateway/station/server.ts
//   `script-src 'sha256-${sha256(STATION_SCRIPT)}'`   // the server pins both inline blocks by hash
// The script listens to GET /events (snapshot, scan, status) and builds every cell with
// createElement/textContent only: scanned values (a lot like `<img onerror=…>`) stay text.
// No inline style attributes and no <form>: the CSP allows only the two hashed blocks.
// No text input either: the gateway makes case ids (protocol/case-id.ts), staff only start and end.
// What staff must act on (status.attention: disk full, a damaged journal, the broker refusing this
// gateway — e.g. its certificate revoked) shows as a red alert;
// the damaged-journal one has a "Seen" button, disk full clears itself when space returns.

export const STATION_STYLE = `
:root { color-scheme: dark; --ok: #3ddc84; --warn: #ffb300; --bad: #ff5252; --dim: #9aa0a6; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem 1.5rem; background: #111; color: #eee; font: 1.5rem/1.4 system-ui, sans-serif; }
header { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center; margin-bottom: 1rem; }
.pill { padding: .2rem .8rem; border-radius: .5rem; background: #222; }
.pill b { font-weight: 600; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); } .dim { color: var(--dim); }
#case { display: flex; gap: .75rem; align-items: center; margin-left: auto; }
#case-id { font: 600 1.75rem ui-monospace, monospace; }
button { font: inherit; padding: .3rem .8rem; border-radius: .4rem; border: 1px solid #555; background: #222; color: #eee; }
button { cursor: pointer; background: #2d3b55; }
button:disabled { opacity: .5; cursor: default; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #333; vertical-align: top; }
th { color: var(--dim); font-weight: 500; }
td.code { font: 700 2.25rem ui-monospace, monospace; letter-spacing: .08em; color: var(--ok); }
td.reason { color: var(--bad); }
tr.refused td, tr.rejected td { color: var(--bad); }
tr.voided td { color: var(--dim); text-decoration: line-through; }
#message { min-height: 1.5em; color: var(--warn); }
#attention { margin: 0 0 1rem; padding: .6rem 1rem; border: 2px solid var(--bad); border-radius: .5rem; color: var(--bad); font-weight: 600; }
#attention p { margin: .2rem 0; }
`;

export const STATION_SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
const rows = new Map(); // scanId → <tr>
const STATUS_TEXT = { stored: 'stored', sent: 'sent, awaiting receipt', receipted: 'receipted', rejected: 'rejected', voided: 'voided', refused: 'refused' };

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function time(iso) {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
function row(scan) {
  const tr = el('tr', null, scan.status);
  tr.dataset.status = scan.status;
  tr.append(el('td', time(scan.scannedAt)));
  if (scan.status === 'refused') {
    const td = el('td', scan.reason ? scan.reason.message : 'refused', 'reason');
    td.colSpan = 6;
    tr.append(td);
    return tr;
  }
  const udi = scan.udi || {};
  tr.append(el('td', scan.productName || udi.di || ''), el('td', udi.lot || ''), el('td', udi.serial || ''), el('td', udi.expiry || ''));
  const status = el('td', STATUS_TEXT[scan.status] || scan.status);
  if (scan.reason) status.append(el('div', scan.reason.message, 'reason'));
  tr.append(status, el('td', scan.orderCode || '', 'code'));
  return tr;
}
function put(scan) {
  const tr = row(scan);
  const old = scan.scanId === null ? undefined : rows.get(scan.scanId);
  if (old) old.replaceWith(tr);
  else $('scans').prepend(tr);
  if (scan.scanId !== null) rows.set(scan.scanId, tr);
  $('empty').hidden = true;
}
function pill(id, text, cls) {
  const e = $(id);
  e.textContent = text;
  e.className = cls;
}
function status(s) {
  pill('scanner', s.scanner, s.scanner === 'open' ? 'ok' : s.scanner === 'lost' ? 'bad' : 'warn');
  pill('broker', s.broker, s.broker === 'online' ? 'ok' : 'bad');
  pill('outbox', s.outbox + ' waiting', s.outbox === 0 ? 'ok' : 'warn');
  $('case-id').textContent = s.caseId === null ? 'no case' : s.caseId;
  $('end').disabled = s.caseId === null;
  const attention = Array.isArray(s.attention) ? s.attention : [];
  $('attention').replaceChildren(...attention.map((a) => {
    const p = el('p', a.message);
    if (a.code === 'journal-damaged') {
      const b = el('button', 'Seen');
      b.type = 'button';
      b.addEventListener('click', () => post('/api/attention/dismiss', { code: a.code }));
      p.append(' ', b);
    }
    return p;
  }));
  $('attention').hidden = attention.length === 0;
}
function parse(ev) {
  try { return JSON.parse(ev.data); } catch { return null; }
}

const events = new EventSource('/events');
events.addEventListener('snapshot', (ev) => {
  const d = parse(ev);
  if (!d) return;
  rows.clear();
  $('scans').replaceChildren();
  $('empty').hidden = d.scans.length > 0;
  for (const s of d.scans.slice().reverse()) put(s);
  status(d.status);
  pill('link', 'live', 'ok');
});
events.addEventListener('scan', (ev) => { const d = parse(ev); if (d) put(d); });
events.addEventListener('status', (ev) => { const d = parse(ev); if (d) status(d); });
events.addEventListener('error', () => pill('link', 'reconnecting…', 'warn'));

async function post(path, body) {
  $('message').textContent = '';
  try {
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Implant-Scan': '1' }, body: JSON.stringify(body) });
    if (res.ok) return true;
    const p = await res.json().catch(() => ({}));
    $('message').textContent = p.detail || p.title || 'Request failed (' + res.status + ')';
  } catch {
    $('message').textContent = 'The gateway did not answer.';
  }
  return false;
}
$('start').addEventListener('click', () => post('/api/case/start', {}));
$('end').addEventListener('click', () => post('/api/case/end', {}));
`;

export const stationPageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Implant scans — theatre station</title>
<style>${STATION_STYLE}</style>
</head>
<body>
<header>
  <span class="pill">Scanner <b id="scanner" class="dim">…</b></span>
  <span class="pill">Broker <b id="broker" class="dim">…</b></span>
  <span class="pill">Upstream <b id="outbox" class="dim">…</b></span>
  <span class="pill">Page <b id="link" class="dim">connecting…</b></span>
  <span id="case">
    Case <span id="case-id">…</span>
    <button id="start" type="button">Start case</button>
    <button id="end" type="button" disabled>End case</button>
  </span>
</header>
<div id="attention" role="alert" hidden></div>
<div id="message" role="status"></div>
<table>
  <thead><tr><th>Time</th><th>Product</th><th>Lot</th><th>Serial</th><th>Expiry</th><th>Status</th><th>Order code</th></tr></thead>
  <tbody id="scans"></tbody>
</table>
<p id="empty" class="dim">No scans yet today.</p>
<script>${STATION_SCRIPT}</script>
</body>
</html>
`;
