// The receipt as a shop sees it: `npm start -- --headless` in a real child process, printing over TCP
// 9100 to a printer on loopback (the virtual printer, which decodes the ESC/POS bytes back to text),
// sales rung through the till HTTP API with a member code and without one; then a staff claim at the
// counter on the kiosk app started in this process, with its local hub and virtual printer.
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock';
import { formatMessage } from '../../core/i18n/catalog';
import { receiptMessages } from '../../core/i18n/receipt';
import { demoProgram } from '../../core/program/demo';
import { progressToReward } from '../../core/program/progress';
import { VirtualPrinter } from '../../hardware/printer/virtual-printer';
import { loadKioskConfig } from '../../main/app/config';
import { startKioskApp } from '../../main/app/kiosk-app';
import { openStore } from '../../main/store';
import { spawnTsx, type Child } from '../fixtures/spawn-tsx';
import { tempDir } from '../support/hub-harness';
import { until } from '../support/until';
import { waitFor } from './printer-helpers';

const temp = tempDir('receipt');
const token = 'receipt-test-token-0123456789';
const children: Child[] = [];
const printer = new VirtualPrinter();

afterAll(async () => {
  for (const child of children) {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    await child.exited;
  }
  await printer.close();
  temp.remove();
});

/** A member enrolled at this kiosk before it starts (the till API has no enrolment route). */
function seedMember(): void {
  const store = openStore({ dir: temp.dir, now: systemClock });
  const at = new Date().toISOString();
  store.createMember({
    id: 'm-anna',
    code: 'K7ANNA01',
    name: 'Anna Kowalska',
    phone: '+48600100200',
    consentAt: at,
    consentText: 'privacy-v1',
    locale: 'pl',
    createdAt: at,
  });
  store.close();
}

describe('receipts as the shop gets them (npm start -- --headless, and the kiosk app in process for a staff claim)', () => {
  it('a member sale prints name, earned once, balance and progress; a sale with no member prints its claim QR and no balance', async () => {
    const port = await printer.listen(0);
    seedMember();
    const kiosk = spawnTsx('main/start.ts', ['--headless'], {
      ...process.env,
      KIOSK_DATA_DIR: temp.dir,
      KIOSK_API_PORT: '0',
      HUB_PORT: '0',
      KIOSK_API_TOKEN: token,
      KIOSK_PRINTER: JSON.stringify({ model: 'epson-tm-t20', paper: 80, connection: { kind: 'tcp', host: '127.0.0.1', port } }),
    });
    children.push(kiosk);
    await kiosk.waitFor((lines) => lines.includes('kiosk ready'), 60_000);
    const apiUrl = /till API: (http:\/\/127\.0\.0\.1:\d+)/.exec(kiosk.lines.find((l) => l.startsWith('till API: ')) ?? '')?.[1];
    expect(apiUrl).toBeDefined();
    const api = async (path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${apiUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };

    // A member sale: the slip prints at once, with the balance after the sale.
    const memberSale = await api('/v1/sales', { tillSaleId: 'A-2001', total: { amount: 4000, currency: 'PLN' }, memberCode: 'K7ANNA01' });
    expect(memberSale.status).toBe(201);
    const points = memberSale.json.points as number;
    expect(points).toBeGreaterThan(0);
    // Receipts are picked by their sale line: the printer link may deliver a receipt twice (it resends
    // what the printer had not confirmed when the connection was re-established).
    const receiptOf = (tillSaleId: string) => printer.receipts.find((r) => r.lines.some((l) => l.startsWith(`Sprzedaż ${tillSaleId} `)));
    await waitFor(() => receiptOf('A-2001') !== undefined, 20_000, "the member sale's receipt");
    const member = await api('/v1/members/K7ANNA01');
    const balance = member.json.points as number;
    expect(balance).toBeGreaterThanOrEqual(points);

    const first = receiptOf('A-2001')!;
    const text = first.lines.join('\n');
    expect(text).toContain('Klient: Anna');
    expect(text).not.toContain('Kowalska');
    expect(text.match(/Zdobyte/g)).toHaveLength(1);
    expect(text).toMatch(new RegExp(`Zdobyte +\\+${points}\\b`));
    expect(text).toMatch(new RegExp(`Saldo +${balance} punkt`));
    const next = progressToReward(demoProgram(), { points: balance, stampsByCard: {} })!;
    const progressLine = next.ready
      ? formatMessage(receiptMessages, 'pl', 'rewardReady', { reward: next.rewardName })
      : formatMessage(receiptMessages, 'pl', next.unit === 'stamps' ? 'progressStamps' : 'progressPoints', { n: next.remaining, reward: next.rewardName });
    expect(first.lines.map((l) => l.trim())).toContain(progressLine);
    expect(first.lines.some((l) => l.startsWith('[QR '))).toBe(false);
    expect(first.commands.at(-1)).toBe('cut');

    // A sale with no member: the claim QR and its expiry, nothing about a balance or a name.
    const anonymous = await api('/v1/sales', { tillSaleId: 'A-2002', total: { amount: 1840, currency: 'PLN' } });
    expect(anonymous.status).toBe(201);
    await waitFor(() => receiptOf('A-2002') !== undefined, 20_000, "the unclaimed sale's receipt");
    const second = receiptOf('A-2002')!;
    const text2 = second.lines.join('\n');
    // The decoder writes a printed QR as "[QR <payload>]" in the text.
    const qr = second.lines.find((l) => l.startsWith('[QR '));
    expect(qr?.toUpperCase()).toBe(`[QR ${String(anonymous.json.claimUrl).toUpperCase()}]`);
    expect(text2).toContain('Zeskanuj, aby odebrać punkty');
    expect(text2).toMatch(/Ważne do \d\d\.\d\d\.\d{4}/);
    expect(text2.match(/Zdobyte/g)).toHaveLength(1);
    expect(text2).toMatch(new RegExp(`Zdobyte +\\+${anonymous.json.points as number}\\b`));
    expect(text2).not.toMatch(/Saldo|Klient|Jeszcze|Nagroda/);

    kiosk.proc.kill('SIGTERM');
    expect((await kiosk.exited).code).toBe(0);
  }, 120_000); // a child process with its local hub starts slowly on a busy two-core machine

  it("staff attaching a member at the counter prints the sale again with name, balance (the hub's) and progress, and no QR", async () => {
    const dir = tempDir('receipt-staff');
    const app = await startKioskApp(
      loadKioskConfig({ KIOSK_DATA_DIR: dir.dir, KIOSK_API_PORT: '0', HUB_PORT: '0', KIOSK_API_TOKEN: 'receipt-staff-token-0123456789' }, []),
      systemClock,
      () => {},
    );
    try {
      await until(() => app.sync.connected, 'the hub connection');
      const virtual = app.virtualPrinter!;
      const { member } = app.service.enrollMember({ name: 'Ewa Nowak', phone: '600 100 300', locale: 'pl', consentText: 'privacy-v1' });
      const { sale } = await app.service.createSale({ tillSaleId: 'S-1', total: { amount: 2500, currency: 'PLN' } });
      await waitFor(() => virtual.receipts.length === 1, 20_000, "the sale's receipt with its QR");
      expect(virtual.receipts[0]!.lines.some((l) => l.startsWith('[QR '))).toBe(true);

      const claim = await app.ui.attachMember({ saleId: sale.saleId, memberCode: member.code });
      await waitFor(() => virtual.receipts.some((r) => r.lines.some((l) => l.includes('Klient: Ewa'))), 20_000, "the member's receipt");
      const text = virtual.receipts.find((r) => r.lines.some((l) => l.includes('Klient: Ewa')))!.lines.join('\n');
      expect(text).toContain('Sprzedaż S-1');
      expect(text.match(/Zdobyte/g)).toHaveLength(1);
      expect(text).toMatch(new RegExp(`Saldo +${claim.member.points} punkt`));
      expect(claim.member.progress).not.toBeNull();
      expect(text).toContain(claim.member.progress!.rewardLabel);
      expect(text).not.toMatch(/\[QR |Ważne do/);
    } finally {
      await app.stop();
      dir.remove();
    }
  }, 120_000);
});
