import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { formatMessage, missingKeys, type AreaCatalog } from '../../core/i18n/catalog';
import { allCatalogs, commonMessages } from '../../core/i18n/common';
import { INTL_LOCALE, LOCALES, pickLocale } from '../../core/i18n/locales';
import en from '../../core/i18n/locales/en.json';

type AstNode = { type: number; value?: unknown; options?: Record<string, { value: AstNode[] }> };

/**
 * The ICU arguments of a message ("{points, plural, …}" → points). Only names are compared: whether a
 * language inflects a number (plural) is its own grammar (Hungarian does not), a missing or extra name is a bug.
 */
function placeholders(text: string, locale: string): string[] {
  const found = new Set<string>();
  const walk = (nodes: AstNode[]): void => {
    for (const node of nodes) {
      // 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural (intl-messageformat's AST types).
      if (node.type >= 1 && node.type <= 6 && typeof node.value === 'string') found.add(node.value);
      for (const option of Object.values(node.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(text, locale).getAst() as unknown as AstNode[]);
  return [...found].sort();
}

describe('message catalogs', () => {
  it('checks every area of the locale files: each is a catalog in allCatalogs', () => {
    // An area left out of allCatalogs escapes the key, placeholder and register checks below (settings did).
    const checked = new Set(Object.values(allCatalogs).map((catalog) => JSON.stringify((catalog as AreaCatalog<string>).en)));
    const unchecked = Object.entries(en)
      .filter(([, messages]) => !checked.has(JSON.stringify(messages)))
      .map(([area]) => area);
    expect(unchecked).toEqual([]);
  });

  it.each(Object.entries(allCatalogs))('%s has every key in every language', (_name, catalog) => {
    expect(missingKeys(catalog as never)).toEqual([]);
  });

  it.each(Object.entries(allCatalogs))('%s: every language has the same placeholders as English, and every message parses', (_name, catalog) => {
    const c = catalog as AreaCatalog<string>;
    const wrong: string[] = [];
    for (const key of Object.keys(c.en)) {
      const expected = placeholders(c.en[key]!, 'en').join(', ');
      for (const locale of LOCALES) {
        const text = c[locale][key];
        if (text === undefined) continue; // missingKeys reports it
        const got = placeholders(text, INTL_LOCALE[locale]).join(', ');
        if (got !== expected) wrong.push(`${locale}.${key}: {${got}} but en has {${expected}}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('Hungarian speaks formally ("Ön") on every screen, page, receipt and message', () => {
    // Informal imperatives and possessives that crept in before: each has a formal form in the catalogs now.
    const informal =
      /(?<!\p{L})(add meg|olvasd|olvass be|keress|gyűjts|kérj|nyomd|írd|vidd|keresd|üsd|zárd|dugd|tegyél|készíts|ellenőrizd|próbáld|mutasd|adj|beválthatod|telefonod|kártyád|pontjaid|neked|téged)(?!\p{L})/iu;
    const found: string[] = [];
    for (const [name, catalog] of Object.entries(allCatalogs)) {
      for (const [key, text] of Object.entries((catalog as AreaCatalog<string>).hu)) if (informal.test(text)) found.push(`${name}.${key}: ${text}`);
    }
    expect(found).toEqual([]);
  });

  it.each([
    ['pl', 1, '1 punkt'],
    ['pl', 2, '2 punkty'],
    ['pl', 5, '5 punktów'],
    ['pl', 22, '22 punkty'],
    ['pl', 12, '12 punktów'],
    ['sk', 1, '1 bod'],
    ['sk', 2, '2 body'],
    ['sk', 5, '5 bodov'],
    ['cs', 1, '1 bod'],
    ['cs', 4, '4 body'],
    ['cs', 5, '5 bodů'],
    ['hu', 1, '1 pont'],
    ['hu', 5, '5 pont'],
    ['de', 1, '1 Punkt'],
    ['de', 5, '5 Punkte'],
    ['en', 1, '1 point'],
    ['en', 5, '5 points'],
  ] as const)('%s: %d → %s', (locale, n, expected) => {
    expect(formatMessage(commonMessages, locale, 'points', { n })).toBe(expected);
  });

  it('picks the phone language among the six', () => {
    expect(pickLocale('cs-CZ,cs;q=0.9,en;q=0.8')).toBe('cs');
    expect(pickLocale('fr-FR,de;q=0.7')).toBe('de');
    expect(pickLocale('fr-FR')).toBe('en');
  });
});
