import { describe, expect, it } from 'vitest';
import { formatMessage } from '../../core/i18n/catalog';
import { displayMessages } from '../../core/i18n/display';
import { staffMessages } from '../../core/i18n/staff';

const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('customer display plurals (CLDR rules per language)', () => {
  it.each([
    ['pl', 1, 'Jeszcze 1 pieczątka do nagrody: kawa'],
    ['pl', 2, 'Jeszcze 2 pieczątki do nagrody: kawa'],
    ['pl', 5, 'Jeszcze 5 pieczątek do nagrody: kawa'],
    ['pl', 22, 'Jeszcze 22 pieczątki do nagrody: kawa'],
    ['cs', 1, 'Ještě 1 razítko do odměny: kawa'],
    ['cs', 3, 'Ještě 3 razítka do odměny: kawa'],
    ['cs', 5, 'Ještě 5 razítek do odměny: kawa'],
    ['sk', 1, 'Ešte 1 pečiatka do odmeny: kawa'],
    ['sk', 4, 'Ešte 4 pečiatky do odmeny: kawa'],
    ['sk', 5, 'Ešte 5 pečiatok do odmeny: kawa'],
    ['hu', 1, 'Még 1 pecsét, és jár: kawa'],
    ['hu', 5, 'Még 5 pecsét, és jár: kawa'],
    ['de', 1, 'Noch 1 Stempel bis: kawa'],
    ['de', 2, 'Noch 2 Stempel bis: kawa'],
    ['en', 1, '1 more stamp to kawa'],
    ['en', 2, '2 more stamps to kawa'],
  ] as const)('%s progressStamps %d', (locale, n, expected) => {
    expect(formatMessage(displayMessages, locale, 'progressStamps', { n, reward: 'kawa' })).toBe(expected);
  });

  it.each([
    ['pl', 1, '+1 punkt'],
    ['pl', 3, '+3 punkty'],
    ['pl', 5, '+5 punktów'],
    ['pl', 112, '+112 punktów'],
    ['cs', 1, '+1 bod'],
    ['cs', 2, '+2 body'],
    ['cs', 7, '+7 bodů'],
    ['sk', 1, '+1 bod'],
    ['sk', 2, '+2 body'],
    ['sk', 7, '+7 bodov'],
    ['hu', 1, '+1 pont'],
    ['hu', 5, '+5 pont'],
    ['de', 1, '+1 Punkt'],
    ['de', 5, '+5 Punkte'],
    ['en', 1, '+1 point'],
    ['en', 1234, '+1,234 points'],
  ] as const)('%s plusPoints %d', (locale, n, expected) => {
    expect(nb(formatMessage(displayMessages, locale, 'plusPoints', { n }))).toBe(expected);
  });

  it('a sale without stamps says nothing about stamps', () => {
    expect(formatMessage(displayMessages, 'pl', 'earnsStamps', { stamps: 0 })).toBe('');
    expect(formatMessage(displayMessages, 'pl', 'earnsStamps', { stamps: 1 })).toBe('+ 1 pieczątka');
  });
});

describe('staff plurals', () => {
  it.each([
    ['pl', 1, 'Zły PIN — została 1 próba'],
    ['pl', 4, 'Zły PIN — zostały 4 próby'],
    ['cs', 1, 'Špatný PIN — zbývá 1 pokus'],
    ['cs', 3, 'Špatný PIN — zbývají 3 pokusy'],
    ['sk', 1, 'Nesprávny PIN — zostáva 1 pokus'],
    ['sk', 2, 'Nesprávny PIN — zostávajú 2 pokusy'],
    ['hu', 4, 'Hibás PIN — még 4 próbálkozás'],
    ['de', 1, 'Falsche PIN — noch 1 Versuch'],
    ['de', 4, 'Falsche PIN — noch 4 Versuche'],
    ['en', 1, 'Wrong PIN — 1 try left'],
    ['en', 4, 'Wrong PIN — 4 tries left'],
  ] as const)('%s pinWrong %d', (locale, n, expected) => {
    expect(formatMessage(staffMessages, locale, 'pinWrong', { n })).toBe(expected);
  });

  it.each([
    ['pl', 1, 'Za dużo błędnych PIN-ów. Spróbuj za 1 minutę.'],
    ['pl', 5, 'Za dużo błędnych PIN-ów. Spróbuj za 5 minut.'],
    ['cs', 2, 'Příliš mnoho špatných PIN. Zkuste to znovu za 2 minuty.'],
    ['sk', 5, 'Príliš veľa nesprávnych PIN. Skúste znova o 5 minút.'],
    ['de', 5, 'Zu viele falsche PINs. Erneut versuchen in 5 Minuten.'],
    ['en', 1, 'Too many wrong PINs. Try again in 1 minute.'],
  ] as const)('%s pinLockedOut %d', (locale, min, expected) => {
    expect(formatMessage(staffMessages, locale, 'pinLockedOut', { min })).toBe(expected);
  });

  it.each([
    ['pl', 1, '1 wiadomość czeka na wysłanie'],
    ['pl', 3, '3 wiadomości czekają na wysłanie'],
    ['pl', 12, '12 wiadomości czeka na wysłanie'],
    ['cs', 1, '1 zpráva čeká na odeslání'],
    ['cs', 3, '3 zprávy čekají na odeslání'],
    ['cs', 9, '9 zpráv čeká na odeslání'],
    ['de', 1, '1 Nachricht wartet auf den Abgleich'],
    ['de', 2, '2 Nachrichten warten auf den Abgleich'],
  ] as const)('%s pending %d', (locale, n, expected) => {
    expect(formatMessage(staffMessages, locale, 'pending', { n })).toBe(expected);
  });
});
