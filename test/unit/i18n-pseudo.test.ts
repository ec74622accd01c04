import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { LOCALES, pickLocale } from '../../core/i18n/locales';
import en from '../../core/i18n/locales/en.json';
import { pseudoCatalog, pseudoMessage } from '../../core/i18n/pseudo';

type AstNode = { type: number; value?: unknown; options?: Record<string, { value: AstNode[] }> };

/** The ICU argument names of a message, from intl-messageformat's own parse (as test/unit/i18n.test.ts reads them). */
function names(source: string): string {
  const found = new Set<string>();
  const walk = (nodes: AstNode[]): void => {
    for (const node of nodes) {
      if (node.type >= 1 && node.type <= 6 && typeof node.value === 'string') found.add(node.value);
      for (const option of Object.values(node.options ?? {})) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(source, 'en-GB').getAst() as unknown as AstNode[]);
  return [...found].sort().join(',');
}

const format = (source: string, values: Record<string, string | number> = {}): string => String(new IntlMessageFormat(source, 'en-GB').format(values));

describe('the pseudo-locale', () => {
  it('accents the letters, makes every word about 40 % longer and brackets the message', () => {
    expect(pseudoMessage('Save')).toBe('[Šàṽéàé]');
    expect(pseudoMessage('Go to the card')).toBe('[Ĝöö ţöö ţĥééé çàŕďàà]');
    const text = 'Show this code at the counter';
    const pseudo = pseudoMessage(text);
    expect(pseudo.startsWith('[') && pseudo.endsWith(']')).toBe(true);
    expect(pseudo.length - 2).toBeGreaterThanOrEqual(Math.round(text.length * 1.3));
    expect(pseudo).not.toMatch(/[A-Za-z]/);
  });

  it('keeps placeholders, plural and select syntax, # and quoted text working', () => {
    const plural = pseudoMessage('Thank you, {name}! +{points, plural, one {# point} other {# points}}');
    expect(format(plural, { name: 'Anna', points: 1 })).toBe('[Ţĥàñķàà ýöûýö, Anna! +1 þöîñţöî]');
    expect(format(plural, { name: 'Anna', points: 5 })).toBe('[Ţĥàñķàà ýöûýö, Anna! +5 þöîñţšöîö]');
    expect(format(pseudoMessage('{role, select, owner {Owner} other {Manager}}'), { role: 'owner' })).toBe('[Öŵñéŕöé]');
    expect(format(pseudoMessage("Use '{shop}' in the text"))).toContain('{shop}');
    expect(format(pseudoMessage('Total {amount, number} at {when, date, short}'), { amount: 3, when: 0 })).toMatch(/^\[.+ 3 .+\]$/);
  });

  it('turns the whole English catalog into messages that parse, with the same placeholders', () => {
    const pseudo = pseudoCatalog(en as unknown as Record<string, Record<string, string>>);
    const wrong: string[] = [];
    for (const [area, messages] of Object.entries(en as unknown as Record<string, Record<string, string>>)) {
      for (const [key, text] of Object.entries(messages)) {
        const made = pseudo[area]![key]!;
        try {
          if (names(made) !== names(text)) wrong.push(`${area}.${key}: placeholders ${names(made)} but en has ${names(text)}`);
        } catch (error) {
          wrong.push(`${area}.${key}: ${String(error)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('is no language a shop, a kiosk or a browser can pick', () => {
    expect(LOCALES as readonly string[]).not.toContain('pseudo');
    expect(LOCALES).toHaveLength(6);
    expect(pickLocale('pseudo, en-XA, qps-ploc')).toBe('en');
  });
});
