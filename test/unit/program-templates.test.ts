// The first-run wizard's templates (core/program/templates.ts): a café stamp card, bakery points and
// salon tiers, made for a shop in each country the wizard offers. Each must be a program the editor
// would publish as it is (no finding), in the shop's currency, language and zone, its texts in the
// shop's language. The wizard's browser test drives one of them (bakery in Hungary); these are all.
import { describe, expect, it } from 'vitest';
import { formatMessage } from '../../core/i18n/catalog';
import { settingsMessages } from '../../core/i18n/settings';
import { formatMoney } from '../../core/money';
import { programFindings } from '../../core/program/checks';
import { programTemplate, TEMPLATES } from '../../core/program/templates';
import { COUNTRIES, COUNTRY_CODES } from '../../core/shop-settings';

const cases = COUNTRY_CODES.flatMap((country) => TEMPLATES.map((kind) => [kind, country] as const));

describe('program templates', () => {
  it.each(cases)('%s in %s: a valid program in the shop currency, language and zone that the editor would publish', (kind, country) => {
    const shop = { name: 'Sklep', ...COUNTRIES[country] };
    const program = programTemplate(kind, shop);
    expect([program.name, program.currency, program.locale, program.timeZone]).toEqual(['Sklep', shop.currency, shop.locale, shop.timeZone]);
    expect(programFindings(program)).toEqual([]);
    expect(program.rewards.length).toBeGreaterThan(0);
  });

  it.each(COUNTRY_CODES)('names rewards, cards and tiers in the language of a shop in %s', (country) => {
    const shop = { name: 'Sklep', ...COUNTRIES[country] };
    const text = (key: Parameters<typeof formatMessage<keyof typeof settingsMessages.en>>[2], values = {}): string =>
      formatMessage(settingsMessages, shop.locale, key, values);
    const cafe = programTemplate('cafe', shop);
    expect(cafe.rules.find((r) => r.type === 'stamps')).toMatchObject({ label: text('tpl.coffeeCard') });
    expect(cafe.rewards.map((r) => r.name)).toEqual([text('tpl.freeCoffee')]);
    const bakery = programTemplate('bakery', shop);
    const fiveSteps = bakery.rewards.find((r) => r.kind === 'amountOff')!;
    expect(fiveSteps.name).toBe(
      text('tpl.amountOff', { amount: formatMoney({ amount: 'amount' in fiveSteps ? fiveSteps.amount : 0, currency: shop.currency }, shop.locale) }),
    );
    expect(bakery.rewards.map((r) => r.name)).toContain(text('tpl.freeBread'));
    const salon = programTemplate('salon', shop);
    expect(salon.tiers?.levels.map((l) => l.name)).toEqual([text('tpl.member'), text('tpl.silver'), text('tpl.gold')]);
    // No country's language is English: none of these is left in English.
    const english = [...programTemplate('cafe', { ...shop, locale: 'en' }).rewards, ...programTemplate('salon', { ...shop, locale: 'en' }).rewards];
    const names = [...cafe.rewards, ...salon.rewards].map((r) => r.name);
    expect(names.filter((name) => english.some((r) => r.name === name))).toEqual([]);
  });
});
