import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { KioskApp } from './kiosk-app';

/**
 * The developer panel, under `npm start` only (the browser shell passes it to the bridge when the
 * dev flag is on; the Electron build and `--headless` never do): ring up a sale, scan with the
 * virtual scanner, look at the virtual printer's last receipt, and take the hub, the printer or the
 * scanner away to see the faults in staff mode. Same origin as the kiosk page, loopback only; a
 * change must come from the panel itself (Origin checked).
 */

const PANEL_CSP =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kiosk developer panel</title>
<style>
body{font:15px system-ui,sans-serif;margin:1rem;display:grid;grid-template-columns:minmax(20rem,1fr) minmax(18rem,26rem);gap:1rem;background:#f4f4f4}
section{background:#fff;border-radius:8px;padding:.8rem 1rem;box-shadow:0 1px 2px #0002}h1{grid-column:1/-1;margin:0;font-size:1.3rem}
h2{font-size:1rem;margin:.2rem 0 .6rem}button{margin:.2rem .3rem .2rem 0;padding:.4rem .7rem}input{padding:.35rem;width:11rem}
#state dd{margin:0 0 .4rem}#state dt{font-weight:600}.fault{color:#b00020}#receipt img{max-width:100%;border:1px solid #ddd}#notices li{margin:.2rem 0}
</style></head><body>
<h1>Kiosk developer panel <small>(npm start only)</small> — <a href="/" target="kiosk">open the kiosk screen</a></h1>
<div>
<section><h2>Ring up a sale</h2><input id="amount" inputmode="numeric" value="1840" aria-label="amount in minor units"> minor units
<button id="sale" data-dev="sale">Ring up</button></section>
<section><h2>Scan (virtual scanner)</h2><input id="code" aria-label="code to scan" placeholder="member card, voucher, receipt URL">
<button id="scan" data-dev="scan">Scan</button><p id="members"></p></section>
<section><h2>Take things away</h2>
<button data-dev="hub-off">Hub away</button><button data-dev="hub-on">Hub back</button><br>
<button data-dev="paper-out">Printer: paper out</button><button data-dev="paper-in">Printer: paper back</button><button data-dev="printer-mute">Printer stops answering (until restart)</button><br>
<button data-dev="scanner-off">Scanner unplugged</button><button data-dev="scanner-on">Scanner back</button></section>
<section><h2>State</h2><dl id="state"></dl><h2>Said to staff about scans</h2><ul id="notices"></ul></section>
</div>
<section id="receipt"><h2>Last receipt (virtual printer)</h2><p id="receipt-none">No receipt printed yet.</p><img id="receipt-img" alt="last receipt" hidden></section>
<script src="/dev/panel.js"></script>
</body></html>`;

const SCRIPT = `'use strict';
const $ = (id) => document.getElementById(id);
async function post(action, body) {
  const res = await fetch('/dev/api/' + action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) });
  const answer = await res.json();
  if (!res.ok) alert(answer.error || res.statusText);
  await refresh();
}
let shownReceipts = -1;
async function refresh() {
  const s = await (await fetch('/dev/api/state')).json();
  const dl = $('state');
  dl.replaceChildren();
  for (const [k, v, bad] of [['Hub', s.hub, s.hubFault], ['Printer', s.printer, s.printerFault], ['Scanner', s.scanner, s.scannerFault], ['Outbox', s.outbox + ' waiting', false]]) {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v; if (bad) dd.className = 'fault';
    dl.append(dt, dd);
  }
  $('notices').replaceChildren(...s.notices.map((n) => { const li = document.createElement('li'); li.textContent = n; return li; }));
  $('members').replaceChildren(...s.members.map((m) => { const b = document.createElement('button'); b.textContent = 'Scan ' + m.label; b.dataset.code = m.code; b.dataset.dev = 'scan-member'; return b; }));
  if (s.receipts !== shownReceipts) {
    shownReceipts = s.receipts;
    $('receipt-none').hidden = s.receipts > 0;
    $('receipt-img').hidden = s.receipts === 0;
    if (s.receipts > 0) $('receipt-img').src = '/dev/receipt.svg?n=' + s.receipts;
  }
}
document.addEventListener('click', (e) => {
  const t = e.target.closest('[data-dev]');
  if (!t) return;
  const a = t.dataset.dev;
  if (a === 'sale') void post('sale', { amount: Number($('amount').value) });
  else if (a === 'scan') void post('scan', { code: $('code').value });
  else if (a === 'scan-member') void post('scan', { code: t.dataset.code });
  else void post(a);
});
void refresh();
setInterval(() => void refresh(), 1000);
`;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-security-policy': PANEL_CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
const json = (res: ServerResponse, status: number, value: unknown): void => send(res, status, 'application/json', JSON.stringify(value));

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4096) throw new Error('request too large');
  }
  const value: unknown = text ? JSON.parse(text) : {};
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function devPanelRoutes(app: KioskApp): (req: IncomingMessage, res: ServerResponse, origin: string) => Promise<boolean> {
  let scannerAway = false;

  const state = () => {
    const printer = app.printer.status;
    return {
      hub: `${app.sync.status.state} — ${app.sync.status.detail}`,
      hubFault: app.sync.status.state !== 'online',
      printer: printer.message,
      printerFault: !printer.canPrint || printer.state === 'paperLow',
      scanner: scannerAway ? 'virtual scanner unplugged' : 'virtual scanner ready',
      scannerFault: scannerAway,
      outbox: app.store.counts().outboxPending,
      notices: app.ui.notices.slice(0, 8),
      receipts: app.virtualPrinter?.receipts.length ?? 0,
      members: app.ui.recentMembers.slice(0, 5),
    };
  };

  const actions: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    sale: async (body) => {
      const amount = Number(body.amount);
      if (!Number.isInteger(amount) || amount <= 0) throw new Error('the amount is a whole number of minor units above zero');
      return app.service.createSale({ tillSaleId: `DEV-${randomUUID().slice(0, 8)}`, total: { amount, currency: app.service.program.currency } }, 'dev');
    },
    scan: async (body) => {
      const code = typeof body.code === 'string' ? body.code : '';
      if (scannerAway) throw new Error('the virtual scanner is unplugged: plug it back first');
      return { scanned: app.scanners.virtual?.scan(code) !== undefined };
    },
    'hub-off': async () => app.sync.stop(),
    'hub-on': async () => app.sync.start(),
    'paper-out': async () => {
      if (app.virtualPrinter) app.virtualPrinter.state.paperOut = true;
    },
    'paper-in': async () => {
      if (app.virtualPrinter) app.virtualPrinter.state.paperOut = false;
    },
    'printer-mute': async () => app.virtualPrinter?.stopReading(),
    'scanner-off': async () => {
      scannerAway = true;
      app.scanStream.status('virtual', 'virtual', 'disconnected', 'scannerDisconnected', { name: 'virtual' });
    },
    'scanner-on': async () => {
      scannerAway = false;
      app.scanStream.status('virtual', 'virtual', 'connected', 'scannerConnected', { name: 'virtual' });
    },
  };

  return async (req, res, origin) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/dev' && !path.startsWith('/dev/')) return false;
    if (req.method === 'GET') {
      if (path === '/dev' || path === '/dev/') send(res, 200, 'text/html; charset=utf-8', PAGE);
      else if (path === '/dev/panel.js') send(res, 200, 'text/javascript; charset=utf-8', SCRIPT);
      else if (path === '/dev/api/state') json(res, 200, state());
      else if (path === '/dev/receipt.svg') {
        const svg = app.virtualPrinter?.svg();
        if (svg) send(res, 200, 'image/svg+xml', svg);
        else send(res, 404, 'text/plain; charset=utf-8', 'no receipt yet');
      } else send(res, 404, 'text/plain; charset=utf-8', 'not found');
      return true;
    }
    const action = req.method === 'POST' && path.startsWith('/dev/api/') ? actions[path.slice('/dev/api/'.length)] : undefined;
    if (!action) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found');
      return true;
    }
    const from = req.headers.origin;
    if (from !== origin && from !== origin.replace('//127.0.0.1:', '//localhost:')) {
      json(res, 403, { error: 'changes only from the developer panel itself' });
      return true;
    }
    try {
      json(res, 200, { ok: true, result: (await action(await readJson(req))) ?? null });
    } catch (error) {
      json(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
    return true;
  };
}
