// The Posnet reader of the fiscal tap: frames from the published examples (test/fixtures/fiscal),
// read in pieces of any size, CRCs checked, totals from `trend`.
import { describe, expect, it } from 'vitest';
import { encodePosnetFrame, parsePosnetFrame, posnetCrc, PosnetFrameScanner, PosnetTransactionReader } from '../../core/pos/posnet';
import { POSNET_CLOCK, POSNET_ERROR_ANSWER, POSNET_INVOICE, POSNET_RECEIPT, posnetSession } from '../fixtures/fiscal/posnet-session';

const bytes = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

function readAll(chunks: Uint8Array[]) {
  const scanner = new PosnetFrameScanner();
  const reader = new PosnetTransactionReader();
  const frames = chunks.flatMap((c) => scanner.feed(c));
  return { frames, ends: frames.map((f) => reader.read(f)).filter((e) => e !== undefined) };
}

describe('Posnet frames', () => {
  it('every published frame carries the CRC-16/XMODEM of its content', () => {
    for (const frame of [POSNET_CLOCK, ...POSNET_RECEIPT, ...POSNET_INVOICE, POSNET_ERROR_ANSWER]) {
      const parsed = parsePosnetFrame(bytes(frame.slice(1, -1)));
      expect(parsed, frame).toBeDefined();
      expect(parsed!.crcOk, frame).toBe(true);
    }
    expect(posnetCrc(bytes('ERR\t?5\t'))).toBe('7F84');
    expect(Buffer.from(encodePosnetFrame('trend', [{ name: 'to', value: '9999999' }])).toString('latin1')).toBe(POSNET_RECEIPT[2]);
  });

  it('reads command and parameters', () => {
    const parsed = parsePosnetFrame(bytes(POSNET_RECEIPT[1]!.slice(1, -1)));
    expect(parsed).toMatchObject({
      command: 'trline',
      parameters: [
        { name: 'na', value: 'Towar A' },
        { name: 'vt', value: '0' },
        { name: 'pr', value: '9999999' },
      ],
    });
  });

  it('reads the session whole or one byte at a time alike: two transactions, each closed by trend with its total in grosze', () => {
    const session = Uint8Array.from(posnetSession());
    const whole = readAll([session]);
    const byteByByte = readAll([...session].map((b) => Uint8Array.of(b)));
    expect(whole.frames.map((f) => f.command)).toEqual(['rtcset', 'trinit', 'trline', 'trend', 'trfvinit', 'trline', 'trline', 'trline', 'trend']);
    expect(byteByByte.frames).toEqual(whole.frames);
    expect(whole.ends).toEqual([
      { amount: 9999999, transaction: 1 },
      { amount: 9999999, transaction: 2 },
    ]);
  });

  it('a trend resent without a new trinit closes the same transaction; a damaged one is not read', () => {
    const damaged = POSNET_RECEIPT[2]!.replace('9999999', '9999990');
    const { ends } = readAll([bytes([...POSNET_RECEIPT, POSNET_RECEIPT[2]!, damaged].join(''))]);
    expect(ends).toEqual([
      { amount: 9999999, transaction: 1 },
      { amount: 9999999, transaction: 1 },
    ]);
  });

  it('skips bytes outside frames and a frame broken off by a new STX', () => {
    const { frames } = readAll([bytes(`\x10\x05garbage\x02trline\tnaTow${POSNET_RECEIPT.join('')}`)]);
    expect(frames.map((f) => f.command)).toEqual(['trinit', 'trline', 'trend']);
  });

  it('a trend whose total is not a number is an error, not a sale', () => {
    const frame = encodePosnetFrame('trend', [{ name: 'to', value: '12,50' }]);
    const { ends } = readAll([frame]);
    expect(ends).toEqual([{ error: 'trend total "to12,50" is not an amount in grosze' }]);
  });
});
