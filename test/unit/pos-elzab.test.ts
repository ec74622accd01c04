// The Elzab reader of the fiscal tap: the commands the bartprokop/fiscal-printers driver sends
// (test/fixtures/fiscal/elzab-session.ts), followed by their lengths, totals from ESC 07h when ESC 24h
// closes the receipt.
import { describe, expect, it } from 'vitest';
import { elzabCommands, ElzabScanner, ElzabTransactionReader } from '../../core/pos/elzab';
import { ELZAB_ESC_IN_NUMBERS, ELZAB_ONE_CENT, ELZAB_STATUS_CHECK, ELZAB_WITH_DISCOUNT, elzabSession } from '../fixtures/fiscal/elzab-session';

function readAll(chunks: Uint8Array[]) {
  const scanner = new ElzabScanner();
  const reader = new ElzabTransactionReader();
  const commands = chunks.flatMap((c) => scanner.feed(c));
  return { commands, ends: commands.flatMap((c) => reader.read(c)) };
}

describe('Elzab commands', () => {
  it("the kiosk's builder writes the driver's bytes", () => {
    const built = Buffer.from([
      ...elzabCommands.open(),
      ...elzabCommands.line('Test.', 1, 0, 1, 1, 1),
      ...elzabCommands.total(1),
      ...elzabCommands.text(0x3c, 'REF/1'),
      ...elzabCommands.text(0x35, 'Kasjer'),
      ...elzabCommands.close(),
    ]);
    expect(built.equals(ELZAB_ONE_CENT)).toBe(true);
  });

  it('reads the session whole or one byte at a time alike: three receipts with their totals in grosze', () => {
    const session = Uint8Array.from(elzabSession());
    const whole = readAll([session]);
    const byteByByte = readAll([...session].map((b) => Uint8Array.of(b)));
    expect(byteByByte.commands).toEqual(whole.commands);
    expect(whole.commands.filter((c) => c.kind === 'other')).toHaveLength(12); // two status checks of six requests
    expect(whole.ends).toEqual([
      { amount: 1, transaction: 1 },
      { amount: 9243, transaction: 2 },
      { amount: 1800, transaction: 3 },
    ]);
  });

  it("ESC 24h inside a line's numbers or the total is data, not the close", () => {
    expect([...ELZAB_ESC_IN_NUMBERS].some((b, i) => b === 0x1b && ELZAB_ESC_IN_NUMBERS[i + 1] === 0x24 && i < ELZAB_ESC_IN_NUMBERS.length - 2)).toBe(true);
    const { commands } = readAll([ELZAB_ESC_IN_NUMBERS]);
    expect(commands.map((c) => c.kind)).toEqual(['open', 'line', 'total', 'text', 'text', 'close']);
  });

  it('a close resent after the receipt closed reads nothing; a close without its total is reported', () => {
    const { ends } = readAll([Buffer.concat([ELZAB_WITH_DISCOUNT, elzabCommands.close()])]);
    expect(ends).toEqual([{ amount: 1800, transaction: 1 }]);
    const noTotal = readAll([Buffer.concat([elzabCommands.open(), elzabCommands.line('Kawa', 1, 0, 900, 1, 900), elzabCommands.close()])]);
    expect(noTotal.ends).toEqual([{ error: 'receipt closed (ESC 24h) without its total (ESC 07h)' }]);
  });

  it('skips bytes before an ESC and knows when the till stopped mid-command', () => {
    const scanner = new ElzabScanner();
    expect(scanner.feed(Uint8Array.from([0x41, 0x42, ...ELZAB_STATUS_CHECK]))).toHaveLength(6);
    scanner.feed(ELZAB_WITH_DISCOUNT.subarray(0, 10));
    expect(scanner.midFrame).toBe(true);
  });
});
