import { describe, expect, it } from 'vitest';
import { formatMessage } from '../../core/i18n/catalog';
import { printerMessages, receiptMessages } from '../../core/i18n/receipt';
import { parseStatus, statusAnswer } from '../../hardware/printer/status';

describe('DLE EOT status', () => {
  const flags = { offline: false, coverOpen: false, paperOut: false, paperLow: false, error: false };
  const answers = (f: typeof flags) => [1, 2, 3, 4].map((n) => statusAnswer(n, f));

  it('reads paper out, paper low, cover open and ready from the four answers', () => {
    expect(parseStatus(answers(flags))).toEqual(flags);
    expect(parseStatus(answers({ ...flags, paperOut: true }))).toMatchObject({ paperOut: true, offline: true });
    expect(parseStatus(answers({ ...flags, paperLow: true }))).toMatchObject({ paperLow: true, paperOut: false, offline: false });
    expect(parseStatus(answers({ ...flags, coverOpen: true }))).toMatchObject({ coverOpen: true, offline: true });
    // Epson's documented bytes: n=4 paper end = 0x72, n=2 cover open = 0x16.
    expect(parseStatus([0x12, 0x12, 0x12, 0x72])).toMatchObject({ paperOut: true });
    expect(parseStatus([0x1a, 0x16, 0x12, 0x12])).toMatchObject({ coverOpen: true, offline: true });
  });

  it('nonsense answers (fixed bits wrong, missing answers) are refused, not guessed', () => {
    expect(parseStatus([0xff, 0x12, 0x12, 0x12])).toBeUndefined();
    expect(parseStatus([0x00, 0x00, 0x00, 0x00])).toBeUndefined();
    expect(parseStatus([0x12, 0x12])).toBeUndefined();
  });
});

describe('receipt and printer texts', () => {
  it.each([
    ['pl', 5, 'Jeszcze 5 punktów do: X'],
    ['pl', 2, 'Jeszcze 2 punkty do: X'],
    ['sk', 5, 'Ešte 5 bodov do: X'],
    ['cs', 5, 'Ještě 5 bodů do: X'],
    ['cs', 3, 'Ještě 3 body do: X'],
    ['hu', 5, 'Még 5 pont: X'],
    ['de', 1, 'Noch 1 Punkt bis: X'],
    ['en', 5, '5 more points to X'],
  ] as const)('%s progress with %d', (locale, n, expected) => {
    expect(formatMessage(receiptMessages, locale, 'progressPoints', { n, reward: 'X' })).toBe(expected);
  });

  it('queued receipts in words with plurals', () => {
    expect(formatMessage(printerMessages, 'pl', 'queued', { n: 5 })).toBe('5 paragonów czeka na wydruk');
    expect(formatMessage(printerMessages, 'pl', 'queued', { n: 2 })).toBe('2 paragony czekają na wydruk');
    expect(formatMessage(printerMessages, 'en', 'queued', { n: 1 })).toBe('1 receipt waits to be printed');
  });
});
