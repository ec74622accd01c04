// A sale read off the cable to the fiscal printer, in real processes (test/support/journey-shop.ts):
// the hub as `npm run hub`, a kiosk as `npm start -- --headless` with KIOSK_FISCAL_TAP (Posnet): the
// till writes its fiscal receipt into a socat pseudo-terminal pair whose other end the kiosk holds,
// the fiscal printer is a stand-in on loopback TCP (test/support/fiscal-tap.ts). The printer gets the
// till's bytes unchanged and its answer reaches the till unchanged; the kiosk records the sale, which its till API lists with its claim URL; a
// phone claims it on the hub and the member's card shows the sale's points.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePosnetFrame } from '../../core/pos/posnet';
import type { SaleRecord } from '../../core/till-api';
import type { SerialPort } from 'serialport';
import { fiscalPrinter, openSerial } from '../support/fiscal-tap';
import { Phone } from '../support/hub-harness';
import { startJourneyShop, type JourneyShop, type KioskProcess } from '../support/journey-shop';
import { until } from '../support/until';
import { SocatPair } from './scanner-socat';

let shop: JourneyShop;
let kiosk: KioskProcess;
let printer: Awaited<ReturnType<typeof fiscalPrinter>>;
let tillCable: SocatPair;
/** The till's serial port (end a of the cable) and what came back to it. */
let till: SerialPort;
const atTill: Buffer[] = [];
const phone = new Phone();

beforeAll(async () => {
  printer = await fiscalPrinter();
  shop = await startJourneyShop('journeys-fiscal', []);
  kiosk = await shop.addKiosk('Till F', async (dir) => {
    // The till's serial cable: the till writes into end a, the kiosk's tap holds end b.
    tillCable = await new SocatPair(dir).up();
    return {
      KIOSK_FISCAL_TAP: JSON.stringify({
        protocol: 'posnet',
        till: { kind: 'serial', path: tillCable.b, baudRate: 9600 },
        printer: { kind: 'tcp', host: '127.0.0.1', port: printer.port },
      }),
    };
  });
  till = await openSerial(tillCable.a);
  till.on('data', (chunk: Buffer) => atTill.push(chunk));
}, 150_000);

afterAll(async () => {
  if (till?.isOpen) await new Promise<void>((resolve) => till.close(() => resolve()));
  await shop?.stop();
  await tillCable?.down();
  await printer?.close();
});

/** The kiosk's sales rung by the tap, as its till API lists them. */
async function tapSales(): Promise<SaleRecord[]> {
  const res = await kiosk.till('GET', '/v1/sales');
  expect(res.status).toBe(200);
  return (res.json.sales as SaleRecord[]).filter((s) => s.source === 'fiscalTap');
}

async function cardBalance(): Promise<number> {
  const card = await phone.get(`${shop.hub.url}/m`);
  expect(card.status).toBe(200);
  return Number(/id="balance">(\d+)</.exec(card.text)?.[1]);
}

describe('journey: the fiscal tap', () => {
  it('a Posnet receipt reaches the fiscal printer unchanged (its answer the till), the kiosk records the sale and a phone claims it on the hub', async () => {
    expect(kiosk.child.lines.some((l) => l.startsWith(`fiscal tap (posnet): ${tillCable.b} → fiscal printer`))).toBe(true);
    expect(await tapSales()).toEqual([]);

    // A café's 18,40 zł receipt as the till sends it (the published sample totals 99 999,99 zł, over the earn ceiling).
    const receipt = Buffer.concat([
      encodePosnetFrame('trinit'),
      encodePosnetFrame('trline', [
        { name: 'na', value: 'Kawa' },
        { name: 'vt', value: '0' },
        { name: 'pr', value: '1840' },
      ]),
      encodePosnetFrame('trend', [{ name: 'to', value: '1840' }]),
    ]);
    till.write(receipt);
    await until(() => printer.received().length >= receipt.length, 'the fiscal receipt at the fiscal printer');
    expect(printer.received().equals(receipt)).toBe(true);
    // The printer's answer (a frame naming the command) goes back down the cable as it was sent.
    const answer = Buffer.from(encodePosnetFrame('trend'));
    printer.answer(answer);
    await until(() => Buffer.concat(atTill).length >= answer.length, "the printer's answer at the till");
    expect(Buffer.concat(atTill).equals(answer)).toBe(true);

    await until(async () => (await tapSales()).length === 1, 'the sale in the till API');
    const [sale] = await tapSales();
    expect(sale).toMatchObject({ total: { amount: 1840, currency: 'PLN' }, claim: 'open', memberCode: null });
    expect(sale!.tillSaleId).toMatch(/^F-/);
    expect(sale!.points).toBeGreaterThan(0);
    const claimUrl = sale!.claimUrl ?? '';
    expect(claimUrl.toLowerCase().startsWith(`${shop.hub.url}/c/`)).toBe(true);
    // The tap's sale is the kiosk's like any other: by its till id too.
    expect((await kiosk.till('GET', `/v1/sales/${encodeURIComponent(sale!.tillSaleId)}`)).json).toMatchObject({ saleId: sale!.saleId });

    // The customer's phone reads the claim QR (the counter screen shows it) and joins: the sale's points are hers on the hub.
    expect((await phone.join(claimUrl, '600 100 400', 'Ewa Nowak')).status).toBe(303);
    // (Her welcome bonus waits for her number to be proven: this hub has no SMS sender.)
    expect(await cardBalance()).toBe(sale!.points);
    // The hub's word reaches the kiosk: the sale is claimed there, and the kiosk knows her with those points.
    await until(async () => (await tapSales())[0]?.claim === 'claimed', 'the claim at the kiosk');
    await until(async () => (await kiosk.search('600 100 400'))[0]?.points === sale!.points, 'the kiosk to have her points');
    expect((await kiosk.search('600 100 400'))[0]).toMatchObject({ name: 'Ewa Nowak' });
  });
});
