import { describe, expect, it } from 'vitest';
import { formatMessage, missingKeys } from '../../core/i18n/catalog';
import { allCatalogs, commonMessages } from '../../core/i18n/common';
import { pickLocale } from '../../core/i18n/locales';

describe('message catalogs', () => {
  it.each(Object.entries(allCatalogs))('%s has every key in every language', (_name, catalog) => {
    expect(missingKeys(catalog as never)).toEqual([]);
  });

  it.each([
    ['pl', 1, '1 punkt'], ['pl', 2, '2 punkty'], ['pl', 5, '5 punktów'], ['pl', 22, '22 punkty'], ['pl', 12, '12 punktów'],
    ['sk', 1, '1 bod'], ['sk', 2, '2 body'], ['sk', 5, '5 bodov'],
    ['cs', 1, '1 bod'], ['cs', 4, '4 body'], ['cs', 5, '5 bodů'],
    ['hu', 1, '1 pont'], ['hu', 5, '5 pont'],
    ['de', 1, '1 Punkt'], ['de', 5, '5 Punkte'],
    ['en', 1, '1 point'], ['en', 5, '5 points'],
  ] as const)('%s: %d → %s', (locale, n, expected) => {
    expect(formatMessage(commonMessages, locale, 'points', { n })).toBe(expected);
  });

  it('picks the phone language among the six', () => {
    expect(pickLocale('cs-CZ,cs;q=0.9,en;q=0.8')).toBe('cs');
    expect(pickLocale('fr-FR,de;q=0.7')).toBe('de');
    expect(pickLocale('fr-FR')).toBe('en');
  });
});
