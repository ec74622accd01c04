// A Star TSP100 (raster only) on TCP, played by the virtual printer: the slip the kiosk prints with
// the `star-tsp100` profile arrives as Star Graphic mode, and the virtual printer turns it back into
// one image per receipt, cut where the document ends. The image is read like paper: its QR with
// jsQR, its text lines as bands of ink, counted against the receipt's layout.
import { afterEach, describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { layoutReceipt } from '../../core/receipt/layout';
import { ReceiptPrinter } from '../../hardware/printer/printer';
import { VirtualPrinter } from '../../hardware/printer/virtual-printer';
import { goldenReceipts } from '../fixtures/golden/receipts';
import { imageRows, readQr, textBands } from '../support/raster-image';
import { until } from '../support/until';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('Star TSP100 (raster only) through the virtual printer', () => {
  it('decodes each slip back to one 576-dot image whose QR reads and whose text lines count right', async () => {
    const virtual = new VirtualPrinter();
    const port = await virtual.listen(0);
    cleanup.push(() => virtual.close());
    const printer = new ReceiptPrinter(
      { model: 'star-tsp100', paper: 80, connection: { kind: 'tcp', host: '127.0.0.1', port }, statusIntervalMs: 200, statusTimeoutMs: 2000 },
      { log: () => undefined },
    );
    printer.start();
    cleanup.push(() => printer.stop());

    const input = goldenReceipts.pl.input;
    const doc = buildReceiptDocument(input);
    const other = buildReceiptDocument({ ...input, claim: { ...input.claim!, payload: 'HTTPS://HUB.EXAMPLE.PL/C/SECONDRECEIPT0001' } });
    printer.print(doc);
    printer.print(other);
    await until(() => virtual.receipts.length === 2, 'both slips at the virtual printer');

    for (const [receipt, payload] of [
      [virtual.receipts[0]!, input.claim!.payload],
      [virtual.receipts[1]!, 'HTTPS://HUB.EXAMPLE.PL/C/SECONDRECEIPT0001'],
    ] as const) {
      // Nothing but the picture: no ESC/POS text, one image, then the cut the job set at its end.
      expect(receipt.elements.map((e) => e.kind)).toEqual(['image', 'cut']);
      const image = receipt.elements[0]!;
      if (image.kind !== 'image') throw new Error('no image');
      expect(image.widthDots).toBe(576);
      expect(receipt.commands).toContain('star:E13');

      const rows = imageRows(image);
      const qr = readQr(rows, image.widthDots);
      expect(qr?.data).toBe(payload);
      const expected = layoutReceipt(doc, 48).filter((l) => l.kind === 'text' && l.text.trim().length > 0);
      expect(textBands(rows, qr!).length).toBe(expected.length);
    }
    // The developer panel draws it as the picture it is.
    expect(virtual.svg(0)).toMatch(/<path d="M[^"]{200,}"/);
  });
});
