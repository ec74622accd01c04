import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EscPosCutScanner, findCuts } from '../../core/pos/escpos-boundaries';
import { german, hungarian, loyaltyBlock, polishCp852, polishWin1250, unreadable } from '../fixtures/till-sim';

function scanInChunks(bytes: Uint8Array, sizes: number[]): Array<{ start: number; end: number }> {
  // Mirrors the passthrough: incomplete commands are carried over into the next chunk.
  const scanner = new EscPosCutScanner();
  const cuts: Array<{ start: number; end: number }> = [];
  let carry = new Uint8Array(0);
  let offset = 0; // stream position of carry[0]
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const size = sizes[k++ % sizes.length]!;
    const chunk = bytes.subarray(at, at + size);
    at += chunk.length;
    const buffer = new Uint8Array(carry.length + chunk.length);
    buffer.set(carry);
    buffer.set(chunk, carry.length);
    let from = 0;
    for (;;) {
      const step = scanner.scan(buffer, from);
      if (step.kind === 'cut') {
        cuts.push({ start: offset + step.start, end: offset + step.end });
        from = step.end;
        continue;
      }
      carry = buffer.slice(step.safeEnd);
      offset += step.safeEnd;
      break;
    }
  }
  return cuts;
}

describe('ESC/POS cut scanner', () => {
  it('finds each kind of cut and only the cut', () => {
    for (const make of [polishCp852, polishWin1250, hungarian, german, unreadable]) {
      const r = make();
      const bytes = Buffer.concat([r.body, r.cut]);
      expect(findCuts(bytes)).toEqual([{ start: r.body.length, end: bytes.length }]);
    }
  });

  it('delimits receipts by their feed-and-cut, whatever cut the till uses: two identical sales are two receipts', () => {
    const sale = Buffer.from('KAWA 1 x 9,00\nSUMA PLN 9,00\n', 'latin1');
    for (const cut of [
      [0x1b, 0x64, 0x05, 0x1d, 0x56, 0x42, 0x00], // ESC d 5, GS V 66 0
      [0x1b, 0x64, 0x03, 0x1d, 0x56, 0x01], // ESC d 3, GS V 1
      [0x1b, 0x64, 0x04, 0x1b, 0x69], // ESC d 4, ESC i
      [0x1b, 0x64, 0x04, 0x1b, 0x6d], // ESC d 4, ESC m
    ]) {
      const one = Buffer.concat([sale, Buffer.from(cut)]);
      const cuts = findCuts(Buffer.concat([one, one]));
      expect(cuts).toHaveLength(2);
      expect(cuts[1]!.start - cuts[0]!.end).toBe(sale.length + 3); // the second receipt: its text and its feed
    }
  });

  it('does not take cut-like bytes inside a raster image, a QR payload or a status request for a cut', () => {
    // The loyalty block has a QR; the till receipts have a logo whose data is GS V / ESC i bytes.
    const block = Buffer.from(loyaltyBlock(18, 140, 'HTTPS://X.PL/C/\x1dV\x00'));
    expect(findCuts(block)).toEqual([]);
    expect(findCuts(Buffer.from([0x1d, 0x76, 0x30, 0x00, 0x01, 0x00, 0x03, 0x00, 0x1d, 0x56, 0x00]))).toEqual([]);
  });

  it('finds GS V m n only when n has arrived, and never splits it', () => {
    const scanner = new EscPosCutScanner();
    expect(scanner.scan(Uint8Array.from([0x41, 0x1d, 0x56, 0x42]))).toEqual({ kind: 'more', safeEnd: 1 });
    expect(scanner.scan(Uint8Array.from([0x1d, 0x56, 0x42, 0x03, 0x41]))).toEqual({ kind: 'cut', start: 0, end: 4 });
    expect(scanner.scan(Uint8Array.from([0x1b]))).toEqual({ kind: 'more', safeEnd: 0 });
  });

  it('finds the same cuts however the stream is split (property)', () => {
    const receipts = [polishCp852(1), hungarian(2), german(3), polishWin1250(4), unreadable()];
    const stream = Buffer.concat(receipts.flatMap((r) => [r.body, r.cut]));
    const whole = findCuts(stream);
    expect(whole).toHaveLength(5);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        expect(scanInChunks(stream, sizes)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('never reports a cut beyond the buffer or of the wrong shape, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const cut of findCuts(bytes)) {
          expect(cut.end).toBeLessThanOrEqual(bytes.length);
          const head = [bytes[cut.start], bytes[cut.start + 1]];
          expect((head[0] === 0x1d && head[1] === 0x56) || (head[0] === 0x1b && (head[1] === 0x69 || head[1] === 0x6d))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
