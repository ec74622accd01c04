// Fuzz (fast-check) of scanner input: bytes from a serial scanner into the line splitter
// (hardware/scanner/serial.ts LineSplitter), and scanned lines into the kiosk's one scan router
// (main/kiosk/ui-services.ts routeScan → core/scan.ts classifyScan) on a real kiosk app (store on disk,
// its local hub, a sale open on the counter). Nothing throws; a line the kiosk refuses writes nothing
// (members, sales, ledger, refunds, outbox) and attaches no one to the open sale.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock';
import { classifyScan, MAX_SCAN_LENGTH } from '../../core/scan';
import { LineSplitter, type SerialTerminator } from '../../hardware/scanner/serial';
import { loadKioskConfig } from '../../main/app/config';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { anyJson, nearValidText } from '../support/fuzz';
import { tempDir } from '../support/hub-harness';
import { until } from '../support/until';

const RUNS = 150;

describe('scanner bytes into lines', () => {
  it('any bytes in any chunks, any terminator: never throws; a line is within the limit and holds no terminator', () => {
    const terminator = fc.constantFrom<SerialTerminator>('auto', 'CR', 'LF', 'CRLF', { bytes: [0x03] }, { bytes: [0x0d, 0x0a, 0x0d] });
    const chunks = fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(Uint8Array.of(0x0d, 0x0a))), { maxLength: 30 });
    fc.assert(
      fc.property(terminator, fc.integer({ min: 1, max: 64 }), chunks, (term, max, parts) => {
        const splitter = new LineSplitter(term, max);
        const sequence = term === 'auto' ? null : term === 'CR' ? [0x0d] : term === 'LF' ? [0x0a] : term === 'CRLF' ? [0x0d, 0x0a] : term.bytes;
        for (const part of parts) {
          for (const piece of splitter.push(part)) {
            if ('garbage' in piece) continue;
            expect(piece.line.length).toBeGreaterThan(0);
            expect(piece.line.length).toBeLessThanOrEqual(max);
            if (sequence === null) expect(piece.line.some((b) => b === 0x0d || b === 0x0a)).toBe(false);
            else if (sequence.length === 1) expect(piece.line.includes(sequence[0]!)).toBe(false);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('classifyScan: any text never throws; garbage (empty, controls, too long, invalid text) is always refused', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ maxLength: MAX_SCAN_LENGTH + 10 }),
      anyJson.map((j) => JSON.stringify(j)),
    );
    fc.assert(
      fc.property(text, fc.boolean(), (line, saleOpen) => {
        const meaning = classifyScan(line, { saleOpen, claimHosts: ['127.0.0.1:7400'] });
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u001f\u007f-\u009f\uFFFD]/.test(line.trim()) || line.trim().length === 0 || line.trim().length > MAX_SCAN_LENGTH) {
          expect(meaning).toMatchObject({ action: 'none', kind: 'garbage' });
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('scanned lines into a real kiosk', () => {
  const temp = tempDir('sec-scan-fuzz');
  let app: KioskApp;
  let memberCode: string;
  let claimUrl: string;
  let saleId: string;

  beforeAll(async () => {
    const config = loadKioskConfig({ KIOSK_DATA_DIR: temp.dir, KIOSK_API_PORT: '0', HUB_PORT: '0', KIOSK_API_TOKEN: 'scan-fuzz-token-0123456789' }, []);
    app = await startKioskApp(config, systemClock, () => {});
    await until(() => app.sync.connected, 'the hub connection');
    memberCode = (await app.ui.enrollMember({ name: 'Ewa Nowak', phone: '600 100 200', locale: 'pl', consent: true })).code;
    const older = await app.ui.createSale({ total: { amount: 500, currency: 'PLN' } });
    claimUrl = older.claimUrl;
    saleId = (await app.ui.createSale({ total: { amount: 1840, currency: 'PLN' } })).saleId;
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    temp.remove();
  });

  /** Routes the line as a scanner's; when the kiosk refuses it, nothing may have changed. */
  async function scanAndCheck(line: string): Promise<void> {
    const before = app.store.counts();
    const attached = app.store.getSale(saleId)?.memberId;
    const meaning = await app.ui.routeScan(line);
    if (meaning.action === 'none') {
      expect(app.store.counts()).toEqual(before);
      expect(app.store.getSale(saleId)?.memberId).toBe(attached);
    }
  }

  it('arbitrary lines (unicode, controls, JSON, URLs, long): never throw; refused ones write nothing', async () => {
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ maxLength: MAX_SCAN_LENGTH + 10 }),
      fc.webUrl(),
      anyJson.map((j) => JSON.stringify(j) ?? ''),
      fc.stringMatching(/^[0-9]{8,14}$/),
      fc.stringMatching(/^[A-Z]{6,20}$/),
    );
    await fc.assert(
      fc.asyncProperty(line, async (text) => {
        await scanAndCheck(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('near-valid member cards, receipt QR URLs and product codes: refused ones write nothing and attach no one', async () => {
    // (A card padded with spaces is still the card: it may attach the member, once; the refused ones may not.)
    await fc.assert(
      fc.asyncProperty(fc.oneof(nearValidText(memberCode), nearValidText(claimUrl), nearValidText('5901234123457')), async (text) => {
        await scanAndCheck(text);
      }),
      { numRuns: RUNS },
    );
    // The real card is still read as one afterwards: the router was not left in a broken state.
    expect((await app.ui.routeScan(memberCode)).action).toBe('attachMemberToSale');
  });
});
