// The print-stream passthrough wired into the kiosk: a till prints a Polish receipt over TCP to the
// kiosk, the virtual printer receives the till's bytes with the loyalty block before the cut, and
// two identical receipts one after the other are two sales, while a copy and a Z report earn nothing.
import { connect } from 'node:net';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { tempDir } from '../support/hub-harness';
import { until } from '../support/until';
import { systemClock } from '../../core/clock';
import { memberCodeFor } from '../../core/codes';
import { stampsByCard } from '../../core/ledger/projections';
import { demoProgram } from '../../core/program/demo';

const temp = tempDir('kiosk-pt');
let app: KioskApp;

function receipt(header: string[] = []): Buffer {
  const text = [...header, 'Piekarnia Złoty Kłos', 'Chleb żytni      1 x 12,40', 'Drożdżówka        1 x 6,00', 'SUMA PLN          18,40', ''].join('\n');
  return Buffer.concat([
    Buffer.from([0x1b, 0x40, 0x1b, 0x74, 18]), // ESC @, ESC t 18 (CP852)
    iconv.encode(text, 'cp852'),
    Buffer.from([0x1d, 0x56, 0x42, 0x00]), // GS V 66 0: feed and cut
  ]);
}

function printFromTill(address: string, bytes: Buffer): Promise<void> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: host!, port: Number(port) }, () => socket.end(bytes));
    socket.on('error', reject);
    socket.on('close', () => resolve());
    socket.resume();
  });
}

beforeAll(async () => {
  app = await startKioskApp(
    {
      dataDir: temp.dir,
      apiHost: '127.0.0.1',
      apiPort: 0,
      apiToken: 'passthrough-test-token-0123',
      apiTokenGenerated: false,
      hubUrl: undefined,
      hubPort: 0,
      headless: true,
      printer: undefined,
      scanners: undefined,
      passthrough: { till: { kind: 'tcp', port: 0 }, locale: 'pl' },
    },
    systemClock,
    () => {},
  );
});

afterAll(async () => {
  await app?.stop();
  temp.remove();
});

describe('kiosk with the print-stream passthrough', () => {
  it('forwards the till receipt with the loyalty block before the cut; the same sale rung again is a second sale', async () => {
    expect(app.passthroughAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const printed = app.virtualPrinter!.receipts;
    const before = printed.length;
    await printFromTill(app.passthroughAddress!, receipt());
    await until(() => printed.length > before, 'the receipt at the printer');
    const lines = printed.at(-1)!.lines.join('\n');
    expect(lines).toContain('Piekarnia Złoty Kłos');
    expect(lines).toContain('SUMA PLN          18,40');
    expect(lines.indexOf('SUMA PLN')).toBeLessThan(lines.search(/\+\d+/));
    expect(printed.at(-1)!.elements.some((e) => e.kind === 'qr')).toBe(true);

    const sales = () => app.store.counts().sales;
    expect(sales()).toBe(1);
    await printFromTill(app.passthroughAddress!, receipt());
    await until(() => printed.length > before + 1, 'the second receipt at the printer');
    expect(sales()).toBe(2);
    expect(printed.at(-1)!.elements.some((e) => e.kind === 'qr')).toBe(true);
  });

  it("maps receipt item lines to categories by the program's patterns: a two-category receipt fills two cards", async () => {
    // The owner's program with a bread card and item patterns, in force on this kiosk from a minute ago.
    const program = demoProgram();
    const document = {
      ...program,
      rules: [...program.rules, { type: 'stamps', id: 'bread-card', label: 'karta chlebowa', cardSize: 6, per: 'item', category: 'bread' }],
      categories: {
        itemPatterns: [
          { pattern: 'chleb*', category: 'bread' },
          { pattern: 'kawa', category: 'coffee' },
        ],
      },
    };
    expect(app.service.applyProgramVersions([{ version: 1000, effectiveFrom: new Date(Date.now() - 60_000).toISOString(), document }]).stored).toEqual([1000]);
    const text = [
      'Piekarnia Złoty Kłos',
      'Chleb żytni      1 x 12,40',
      'Kawa latte       2 x 9,00',
      'Drożdżówka       1 x 6,00',
      'SUMA PLN          36,40',
      '',
    ];
    const bytes = Buffer.concat([Buffer.from([0x1b, 0x40, 0x1b, 0x74, 18]), iconv.encode(text.join('\n'), 'cp852'), Buffer.from([0x1d, 0x56, 0x42, 0x00])]);
    const printed = app.virtualPrinter!.receipts;
    const before = printed.length;
    await printFromTill(app.passthroughAddress!, bytes);
    await until(() => printed.length > before, 'the receipt at the printer');
    const sale = app.store.recentSales(1)[0]!;
    expect(sale).toMatchObject({ source: 'passthrough', total: { amount: 3640, currency: 'PLN' } });
    expect(sale.lines.map((l) => [l.category, l.quantity])).toEqual([
      ['bread', 1],
      ['coffee', 2],
    ]);
    expect(sale.earned?.stampsByCard).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
    // Claimed for a member by staff on this kiosk (the kiosk's own claim): each card gets its own stamps.
    const at = new Date().toISOString();
    app.store.createMember({
      id: 'pt-ola',
      code: memberCodeFor(902),
      name: 'Ola',
      phone: '+48600902902',
      consentAt: at,
      consentText: 'v1',
      locale: 'pl',
      createdAt: at,
    });
    expect(app.service.claimSaleOffline({ saleId: sale.id, memberId: 'pt-ola' }).stamps).toBe(3);
    expect(stampsByCard(app.store.entriesForMember('pt-ola'))).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
  });

  it('prints a copy and a Z report as the till sent them and records no sale for either', async () => {
    const printed = app.virtualPrinter!.receipts;
    const sales = app.store.counts().sales;
    const before = printed.length;
    const zReport = Buffer.concat([
      Buffer.from([0x1b, 0x40, 0x1b, 0x74, 18]),
      iconv.encode(['RAPORT DOBOWY nr 0007', 'Sprzedaż brutto      18,40', 'SUMA PLN             18,40', ''].join('\n'), 'cp852'),
      Buffer.from([0x1d, 0x56, 0x42, 0x00]),
    ]);
    await printFromTill(app.passthroughAddress!, receipt(['*** KOPIA ***']));
    await until(() => printed.length >= before + 1, 'the copy at the printer');
    await printFromTill(app.passthroughAddress!, zReport);
    await until(() => printed.length >= before + 2, 'the report at the printer');
    expect(printed[before]!.lines).toContain('*** KOPIA ***');
    expect(printed[before + 1]!.lines).toContain('RAPORT DOBOWY nr 0007');
    for (const r of printed.slice(before)) expect(r.elements.some((e) => e.kind === 'qr')).toBe(false);
    expect(app.store.counts().sales).toBe(sales);
  });
});
