import { formatMessage } from '../i18n/catalog';
import { settingsMessages } from '../i18n/settings';
import { formatMoney, type CurrencyCode } from '../money';
import type { ShopSettings } from '../shop-settings';
import { parseProgram, type Program } from './schema';

/**
 * The programs a new shop can start from (the first-run wizard): a café stamp card, bakery points,
 * salon tiers. Each is made in the shop's currency, language and time zone, its reward and tier
 * names in the shop's language; the owner edits it in the program editor before publishing.
 */
export const TEMPLATES = ['cafe', 'bakery', 'salon'] as const;
export type TemplateKind = (typeof TEMPLATES)[number];

/** One "small step" of money in minor units: a point is earned per step (1 zł, 1 €, 10 Kč, 100 Ft). */
const STEP: Record<CurrencyCode, number> = { PLN: 100, EUR: 100, GBP: 100, CZK: 1_000, HUF: 10_000 };

export function programTemplate(kind: TemplateKind, shop: Pick<ShopSettings, 'name' | 'currency' | 'locale' | 'timeZone'>): Program {
  const t = (key: Parameters<typeof formatMessage<keyof typeof settingsMessages.en>>[2], values = {}): string =>
    formatMessage(settingsMessages, shop.locale, key, values).slice(0, 60);
  const step = STEP[shop.currency];
  const base = { version: 1, name: shop.name.slice(0, 60), currency: shop.currency, timeZone: shop.timeZone, locale: shop.locale, expiry: { months: 12 } };
  const documents: Record<TemplateKind, unknown> = {
    cafe: {
      ...base,
      rules: [{ type: 'stamps', id: 'coffee-card', label: t('tpl.coffeeCard'), cardSize: 9, per: 'sale' }],
      rewards: [{ kind: 'freeProduct', id: 'free-coffee', name: t('tpl.freeCoffee'), product: 'coffee', cost: { stamps: 9, card: 'coffee-card' } }],
    },
    bakery: {
      ...base,
      rules: [
        { type: 'points', id: 'points', unit: step, bands: [{ points: 1 }], rounding: 'floor' },
        { type: 'welcome', id: 'welcome', label: t('tpl.welcome'), points: 10 },
      ],
      rewards: [
        {
          kind: 'amountOff',
          id: 'amount-off',
          name: t('tpl.amountOff', { amount: formatMoney({ amount: 5 * step, currency: shop.currency }, shop.locale) }),
          amount: 5 * step,
          cost: { points: 50 },
        },
        { kind: 'freeProduct', id: 'free-bread', name: t('tpl.freeBread'), product: 'bread', cost: { points: 80 } },
      ],
    },
    salon: {
      ...base,
      rules: [{ type: 'points', id: 'points', unit: step, bands: [{ points: 1 }], rounding: 'floor' }],
      tiers: {
        basis: 'spend',
        windowDays: 365,
        levels: [
          { id: 'member', name: t('tpl.member'), threshold: 0 },
          { id: 'silver', name: t('tpl.silver'), threshold: 500 * step, multiplier: 1.25 },
          { id: 'gold', name: t('tpl.gold'), threshold: 1500 * step, multiplier: 1.5, discountPercent: 5 },
        ],
      },
      rewards: [{ kind: 'percentOff', id: 'ten-off', name: t('tpl.tenOff'), percent: 10, cost: { points: 200 } }],
    },
  };
  const parsed = parseProgram(documents[kind]);
  if (!parsed.ok) throw new Error(`program template ${kind} is invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.program;
}
