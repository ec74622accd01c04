import { z } from 'zod';
import { localeSchema, type Locale } from './i18n/locales';
import { currencyCodeSchema, type CurrencyCode } from './money';
import { isTimeZone, type Program } from './program/schema';
import { programInLanguage } from './program/texts';

/**
 * The shop's settings: name, country, currency, language, time zone, the languages it offers and its
 * locations. Their one home is the hub (cloud/shop-settings.ts); kiosks get a copy over Socket.IO and
 * keep it for offline use, phone pages, member cards and messages read them there.
 */

/** The countries a shop can be in, with what a new shop there starts from (each editable). */
export const COUNTRIES = {
  PL: { currency: 'PLN', locale: 'pl', timeZone: 'Europe/Warsaw' },
  HU: { currency: 'HUF', locale: 'hu', timeZone: 'Europe/Budapest' },
  SK: { currency: 'EUR', locale: 'sk', timeZone: 'Europe/Bratislava' },
  CZ: { currency: 'CZK', locale: 'cs', timeZone: 'Europe/Prague' },
  DE: { currency: 'EUR', locale: 'de', timeZone: 'Europe/Berlin' },
} as const satisfies Record<string, { currency: CurrencyCode; locale: Locale; timeZone: string }>;
export type Country = keyof typeof COUNTRIES;
export const COUNTRY_CODES = Object.keys(COUNTRIES) as Country[];
export const countrySchema = z.enum(COUNTRY_CODES as [Country, ...Country[]], {
  error: () => `country is one of ${COUNTRY_CODES.join(', ')}`,
});

/** The time zones offered on the settings form (the shop's own is kept even if not listed). */
export const TIME_ZONES = [...new Set(Object.values(COUNTRIES).map((c) => c.timeZone)), 'Europe/Vienna', 'Europe/London', 'UTC'];

export const locationSchema = z
  .object({
    name: z.string().trim().min(1, 'a location needs a name').max(60, 'a location name is at most 60 characters'),
    /** Printed under the shop's name on this location's receipts; lines separated by newlines. */
    address: z.string().trim().max(200, 'an address is at most 200 characters'),
  })
  .strict();
export type ShopLocation = z.infer<typeof locationSchema>;

export const shopSettingsSchema = z
  .object({
    name: z.string().trim().min(1, 'the shop needs a name').max(80, 'the shop name is at most 80 characters'),
    country: countrySchema,
    currency: currencyCodeSchema,
    /** The shop's own language: receipts, the counter screen, members who have not chosen one. */
    locale: localeSchema,
    timeZone: z.string().refine(isTimeZone, 'timeZone must be an IANA zone such as Europe/Warsaw'),
    /** Languages offered to members and staff; the shop's own language is always one of them. */
    languages: z.array(localeSchema).min(1, 'offer at least one language'),
    locations: z.array(locationSchema).max(50, 'at most 50 locations'),
  })
  .strict()
  .refine((s) => s.languages.includes(s.locale), { error: "the shop's language must be one of the languages offered", path: ['languages'] })
  .refine((s) => new Set(s.locations.map((l) => l.name.toLowerCase())).size === s.locations.length, {
    error: 'two locations have the same name',
    path: ['locations'],
  });
export type ShopSettings = z.infer<typeof shopSettingsSchema>;

export type SettingsIssue = { path: string; message: string };

/** Checks an untrusted settings document; errors name the field (`locations.1.name`). */
export function parseShopSettings(input: unknown): { ok: true; settings: ShopSettings } | { ok: false; errors: SettingsIssue[] } {
  const parsed = shopSettingsSchema.safeParse(input);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
}

/** The country a program's currency and language point to (a shop set up before settings existed). */
function countryOf(program: Pick<Program, 'currency' | 'locale'>): Country {
  return COUNTRY_CODES.find((c) => COUNTRIES[c].locale === program.locale) ?? COUNTRY_CODES.find((c) => COUNTRIES[c].currency === program.currency) ?? 'PL';
}

/**
 * What a shop (or a kiosk before its first sync) goes by when nobody has saved settings yet: the name
 * it was started with, the program's currency, language and time zone, no locations.
 */
export function settingsFallback(name: string, program: Pick<Program, 'currency' | 'locale' | 'timeZone'>): ShopSettings {
  return {
    name: name.trim().slice(0, 80) || 'My shop',
    country: countryOf(program),
    currency: program.currency,
    locale: program.locale,
    timeZone: program.timeZone,
    languages: [program.locale],
    locations: [],
  };
}

/**
 * `program` made to count and speak as the shop does: its currency, its language (texts written in
 * it become the program's own, core/program/texts.ts) and its time zone. For a program nobody has
 * published yet (the wizard's draft, the start-up program) when the settings change.
 */
export function programForShop(program: Program, settings: Pick<ShopSettings, 'currency' | 'locale' | 'timeZone'>): Program {
  return { ...programInShopLanguage(program, settings), currency: settings.currency };
}

/**
 * `program` speaking the shop's language and keeping its time zone, its currency left as it is (a
 * published program's amounts are in it): what the program editor edits, so what it publishes fits
 * the settings in everything but a currency that differs (`programMisfits`), which it says.
 */
export function programInShopLanguage(program: Program, settings: Pick<ShopSettings, 'locale' | 'timeZone'>): Program {
  return { ...programInLanguage(program, settings.locale), locale: settings.locale, timeZone: settings.timeZone };
}

/** What in a program its shop's settings do not allow. */
export type ProgramMisfit = 'currency' | 'locale' | 'timeZone';

/**
 * What in `program` differs from the shop's settings, their one home: another currency (every amount
 * in it would mean something else), a language the shop does not offer (screens, receipts and
 * messages speak it), another time zone (days, hours and birthdays would fall elsewhere than on
 * kiosks and pages). Empty when the program fits.
 */
export function programMisfits(
  program: Pick<Program, 'currency' | 'locale' | 'timeZone'>,
  settings: Pick<ShopSettings, 'currency' | 'languages' | 'timeZone'>,
): ProgramMisfit[] {
  const misfits: ProgramMisfit[] = [];
  if (program.currency !== settings.currency) misfits.push('currency');
  if (!settings.languages.includes(program.locale)) misfits.push('locale');
  if (program.timeZone !== settings.timeZone) misfits.push('timeZone');
  return misfits;
}

/** A new shop in `country`: its currency, language and time zone; the owner may change each. */
export function settingsForCountry(country: Country, name: string): ShopSettings {
  const d = COUNTRIES[country];
  return { name, country, currency: d.currency, locale: d.locale, timeZone: d.timeZone, languages: [d.locale, 'en'], locations: [] };
}

/** The receipt's header: the shop's name, and the address of the kiosk's location when it has one. */
export function receiptHeader(settings: Pick<ShopSettings, 'name' | 'locations'>, location: string | null): { name: string; lines: string[] } {
  const place = location === null ? undefined : settings.locations.find((l) => l.name === location);
  const lines = (place?.address ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return { name: settings.name, lines };
}

/** The Settings form and the wizard as posted: repeated fields as lists, in order. */
export interface SettingsForm {
  name?: string | undefined;
  country?: string | undefined;
  currency?: string | undefined;
  locale?: string | undefined;
  timeZone?: string | undefined;
  languages: readonly string[];
  locationNames: readonly string[];
  locationAddresses: readonly string[];
}

/** Reads the posted form into checked settings; a location row left empty (name and address) is dropped. */
export function settingsFromForm(form: SettingsForm): ReturnType<typeof parseShopSettings> {
  const locations = form.locationNames
    .map((name, i) => ({ name: name.trim(), address: (form.locationAddresses[i] ?? '').replace(/\r\n?/g, '\n').trim() }))
    .filter((l) => l.name !== '' || l.address !== '');
  return parseShopSettings({
    name: form.name ?? '',
    country: form.country ?? '',
    currency: form.currency ?? '',
    locale: form.locale ?? '',
    timeZone: form.timeZone ?? '',
    languages: [...new Set(form.languages)],
    locations,
  });
}
