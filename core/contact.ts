import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';

/**
 * The one normaliser of a member's contact, used by the hub (claim page, kiosk enrolments) and the
 * kiosk (till, staff screen, search): a phone number becomes E.164 (`+48600100200`), an e-mail is
 * trimmed and lower-cased. "600 100 200", "+48600100200" and "0048 600-100-200" typed in a Polish
 * shop are then one member, not three.
 */

/** A contact that is not a phone number or an e-mail address; `field` names the input it came from. */
export class ContactError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ContactError';
  }
}

/** The country a number typed without its country code belongs to, by the shop's program locale. */
const REGION_BY_LOCALE: Partial<Record<string, CountryCode>> = { pl: 'PL', hu: 'HU', sk: 'SK', cs: 'CZ', de: 'DE' };

/** The default region for a locale ("pl" or "pl-PL"); undefined for a language of no one country (en). */
export function regionForLocale(locale: string): CountryCode | undefined {
  const [language, country] = locale.split(/[-_]/);
  const byLanguage = REGION_BY_LOCALE[(language ?? '').toLowerCase()];
  if (byLanguage) return byLanguage;
  const upper = (country ?? '').toUpperCase();
  return /^[A-Z]{2}$/.test(upper) ? (upper as CountryCode) : undefined;
}

const EMAIL = /^[^\s@<>"',;]{1,64}@[^\s@<>"',;]+\.[a-z]{2,}$/i;

/** An e-mail address trimmed and lower-cased; throws ContactError naming `field` when it is not one. */
export function normalizeEmail(text: string, field = 'email'): string {
  const value = text.trim().toLowerCase();
  if (value.length > 254 || !EMAIL.test(value)) throw new ContactError(field, `"${text.trim()}" is not an e-mail address (name@example.com)`);
  return value;
}

/**
 * A phone number in E.164. A number without its country code is read in `region` (the shop's
 * country); "00" is the international prefix in every country of ours, so "0048 …" is "+48 …" even
 * where no region is known. Throws ContactError naming `field` for anything that is not a valid number.
 */
export function normalizePhone(text: string, region: CountryCode | undefined, field = 'phone'): string {
  const typed = text.trim();
  if (!/^[+\d\s().\-/]{3,30}$/.test(typed)) throw new ContactError(field, `"${typed}" is not a phone number (digits, spaces, + - ( ) only)`);
  const international = typed.replace(/^00/, '+');
  if (!international.startsWith('+') && region === undefined) {
    throw new ContactError(field, `type the phone number with its country code, e.g. +48 600 100 200`);
  }
  try {
    const parsed = parsePhoneNumberWithError(international, region);
    if (!parsed.isValid()) throw new ContactError(field, `"${typed}" is not a valid phone number${parsed.country ? ` in ${parsed.country}` : ''}`);
    return parsed.number;
  } catch (error) {
    if (error instanceof ContactError) throw error;
    throw new ContactError(
      field,
      `"${typed}" is not a phone number (${error instanceof Error ? error.message.toLowerCase().replace(/_/g, ' ') : 'unreadable'})`,
    );
  }
}

export interface Contact {
  phone: string | null;
  email: string | null;
}

/** A phone number or an e-mail address typed in one field (the join form, the till's `contact`). */
export function normalizeContact(text: string, region: CountryCode | undefined, field = 'contact'): Contact {
  return text.includes('@') ? { phone: null, email: normalizeEmail(text, field) } : { phone: normalizePhone(text, region, field), email: null };
}

/** Like normalizeContact, but undefined instead of an error (searches: "is this query a contact?"). */
export function contactOrUndefined(text: string, region: CountryCode | undefined): Contact | undefined {
  try {
    return normalizeContact(text, region);
  } catch (error) {
    if (error instanceof ContactError) return undefined;
    throw error;
  }
}
