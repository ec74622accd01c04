import { describe, expect, it } from 'vitest';
import { ContactError, contactOrUndefined, normalizeContact, normalizeEmail, normalizePhone, regionForLocale } from '../../core/contact';

describe('contact normaliser (core/contact): one person, one phone number', () => {
  it('maps the program locales to their countries', () => {
    expect(['pl', 'hu', 'sk', 'cs', 'de', 'en', 'de-AT'].map(regionForLocale)).toEqual(['PL', 'HU', 'SK', 'CZ', 'DE', undefined, 'DE']);
  });

  it('reads the same number typed three ways as one E.164 number', () => {
    for (const typed of ['600 100 200', '+48600100200', '0048 600-100-200', '+48 (600) 100 200', '600100200']) {
      expect(normalizePhone(typed, 'PL'), typed).toBe('+48600100200');
    }
  });

  it('reads a local number in each of the six shop countries, with its trunk prefix where the country has one', () => {
    const cases: [string, string, string][] = [
      ['pl', '601 123 456', '+48601123456'],
      ['hu', '06 30 123 4567', '+36301234567'],
      ['sk', '0905 123 456', '+421905123456'],
      ['cs', '601 123 456', '+420601123456'],
      ['de', '0151 23456789', '+4915123456789'],
      ['en', '+44 7911 123456', '+447911123456'],
    ];
    for (const [locale, typed, e164] of cases) expect(normalizePhone(typed, regionForLocale(locale)), `${locale} ${typed}`).toBe(e164);
    // A number with its country code is the same number in any shop.
    expect(normalizePhone('+36 30 123 4567', 'PL')).toBe('+36301234567');
    expect(normalizePhone('0036 30 123 4567', 'DE')).toBe('+36301234567');
  });

  it('trims and lower-cases e-mail addresses', () => {
    expect(normalizeEmail(' Anna@Example.PL ')).toBe('anna@example.pl');
    expect(normalizeContact('ANNA@example.com', 'PL')).toEqual({ phone: null, email: 'anna@example.com' });
    expect(normalizeContact('+48 600-100-200', 'PL')).toEqual({ phone: '+48600100200', email: null });
  });

  it('refuses what is neither, with an error naming the field', () => {
    for (const bad of ['', '12ab', '600 1', '+48 600 100 200 300 400', 'anna@', 'anna@example', 'a b@c.de', '<x>@y.com']) {
      expect(() => normalizeContact(bad, 'PL'), bad).toThrow(ContactError);
      expect(contactOrUndefined(bad, 'PL'), bad).toBeUndefined();
    }
    expect(() => normalizePhone('600 1', 'PL')).toThrow(/^phone: "600 1" is not a valid phone number/);
    expect(() => normalizeEmail('anna@', 'email')).toThrow(/^email: /);
    try {
      normalizeContact('12ab', 'PL');
    } catch (error) {
      expect(error).toBeInstanceOf(ContactError);
      expect((error as ContactError).field).toBe('contact');
    }
    // Without a country (an English-language shop) a local number cannot be read: it says so.
    expect(() => normalizePhone('600 100 200', regionForLocale('en'))).toThrow(/with its country code/);
  });
});
