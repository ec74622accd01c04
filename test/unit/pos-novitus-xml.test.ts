// The Novitus XML reader of the fiscal tap: packets as the litex.novitus_xml driver sends them
// (test/fixtures/fiscal/novitus-xml-session.ts), read in pieces of any size, CRCs checked, totals
// from `receipt`/`invoice` `action="close"`.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fiscalProtocol } from '../../core/pos/fiscal-protocol';
import { fiscalTapConfigSchema } from '../../core/pos/fiscal-tap-config';
import {
  encodeNovitusXmlPacket,
  novitusAmount,
  novitusCrc32,
  NovitusXmlScanner,
  NovitusXmlTransactionReader,
  parseNovitusXmlPacket,
} from '../../core/pos/novitus-xml';
import {
  litexPacket,
  NOVITUS_DLE,
  NOVITUS_INVOICE,
  NOVITUS_RECEIPT,
  NOVITUS_RECEIPT_WITH_PAYMENTS,
  novitusSession,
} from '../fixtures/fiscal/novitus-xml-session';

function readAll(chunks: Uint8Array[]) {
  const scanner = new NovitusXmlScanner();
  const reader = new NovitusXmlTransactionReader();
  const packets = chunks.flatMap((c) => scanner.feed(c));
  return { packets, ends: packets.flatMap((p) => reader.read(p)) };
}

describe('Novitus XML packets', () => {
  it("the kiosk's CRC-32 is zlib's, and its packets are byte for byte the driver's", () => {
    for (const text of ['', '<dle/>', '<receipt action="close" total="16.0"></receipt>', 'zażółć'.repeat(50)]) {
      const bytes = Buffer.from(text, 'latin1');
      expect(novitusCrc32(bytes)).toBe(crc32(bytes) >>> 0);
    }
    const close = encodeNovitusXmlPacket('receipt', { action: 'close', total: '16.0', systemno: '1/TEST/2020', checkout: '10', cashier: 'John Doe' });
    expect(Buffer.from(close).equals(NOVITUS_RECEIPT[3]!)).toBe(true);
    expect(Buffer.from(encodeNovitusXmlPacket('receipt', { action: 'cancel' }, { crc: false })).toString('latin1')).toBe(
      '<packet><receipt action="cancel"></receipt></packet>',
    );
  });

  it('every packet of the session carries the CRC of its element and parses into its commands', () => {
    for (const packet of [NOVITUS_DLE, ...NOVITUS_RECEIPT, ...NOVITUS_INVOICE, ...NOVITUS_RECEIPT_WITH_PAYMENTS]) {
      const parsed = parseNovitusXmlPacket(packet.toString('latin1'));
      expect(parsed, packet.toString('latin1')).toBeDefined();
      expect(parsed!.crc, packet.toString('latin1')).toMatch(/^[0-9A-F]+$/);
      expect(parsed!.crcOk, packet.toString('latin1')).toBe(true);
    }
    const item = parseNovitusXmlPacket(NOVITUS_RECEIPT_WITH_PAYMENTS[1]!.toString('latin1'))!;
    expect(item.commands.map((c) => c.name)).toEqual(['item', 'discount']);
    expect(item.commands[0]!.attributes).toMatchObject({ name: 'Test discount', quantity: '2', ptu: 'A', price: '4' });
  });

  it('reads the session whole or one byte at a time alike: a receipt, an invoice and a receipt paid by card and cash', () => {
    const session = Uint8Array.from(novitusSession());
    const whole = readAll([session]);
    const byteByByte = readAll([...session].map((b) => Uint8Array.of(b)));
    expect(byteByByte.packets).toEqual(whole.packets);
    expect(whole.packets).toHaveLength(1 + NOVITUS_RECEIPT.length + NOVITUS_INVOICE.length + NOVITUS_RECEIPT_WITH_PAYMENTS.length);
    expect(whole.ends).toEqual([
      { amount: 1600, transaction: 1 },
      { amount: 10000, transaction: 2 },
      { amount: 1216, transaction: 3 },
    ]);
  });

  it('a close resent without a new begin closes the same transaction; a damaged packet is not read; a cancel has no total', () => {
    const close = NOVITUS_RECEIPT[3]!;
    const damaged = Buffer.from(close.toString('latin1').replace('16.0', '61.0'), 'latin1');
    const cancel = litexPacket('<receipt action="cancel"></receipt>');
    const { ends } = readAll([Buffer.concat([...NOVITUS_RECEIPT, close, damaged, NOVITUS_RECEIPT[0]!, cancel])]);
    expect(ends).toEqual([
      { amount: 1600, transaction: 1 },
      { amount: 1600, transaction: 1 },
    ]);
  });

  it('reads packets sent without a CRC, skips bytes outside packets, and reports a close it cannot read', () => {
    const noCrc = Buffer.concat([
      litexPacket('<receipt action="begin"></receipt>', false),
      litexPacket('<receipt action="close" total="18.40"></receipt>', false),
    ]);
    expect(readAll([Buffer.concat([Buffer.from('\x05garbage<pack', 'latin1'), noCrc])]).ends).toEqual([{ amount: 1840, transaction: 1 }]);
    expect(readAll([litexPacket('<receipt action="close" total="18,40"></receipt>')]).ends).toEqual([
      { error: 'receipt total "18,40" is not an amount in złoty' },
    ]);
    expect(readAll([litexPacket('<invoice action="close"></invoice>')]).ends).toEqual([{ error: 'invoice close without a "total"' }]);
    expect([novitusAmount('16.0'), novitusAmount('12.16'), novitusAmount('100'), novitusAmount('1.234'), novitusAmount('-1')]).toEqual([
      1600,
      1216,
      10000,
      undefined,
      undefined,
    ]);
  });

  it('the tap settings take "novitus-xml" and "elzab" besides "posnet", and refuse another protocol in words', () => {
    const sides = { till: { kind: 'tcp', port: 0 }, printer: { kind: 'tcp', host: '127.0.0.1', port: 6001 } } as const;
    for (const protocol of ['posnet', 'novitus-xml', 'elzab'] as const) expect(fiscalTapConfigSchema.parse({ protocol, ...sides }).protocol).toBe(protocol);
    const refused = fiscalTapConfigSchema.safeParse({ protocol: 'novitus', ...sides });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.message).toMatch(/"posnet", "novitus-xml" or "elzab"/);
    // One reader per connection over the run's transactions: a close resent on a new connection counts once.
    const protocol = fiscalProtocol('novitus-xml');
    const first = protocol.session().feed(Buffer.concat(NOVITUS_RECEIPT));
    const again = protocol.session().feed(NOVITUS_RECEIPT[3]!);
    expect([...first, ...again]).toEqual([
      { amount: 1600, transaction: 1 },
      { amount: 1600, transaction: 1 },
    ]);
  });
});
