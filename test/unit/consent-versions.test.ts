// A consent is logged with the version of the text the member agreed to (CONSENT_TEXT_VERSIONS,
// message_consents). The version only means something if it changes with the text: each version is
// pinned here to a digest of its text in all six languages, so a changed sentence in any language
// fails until its version is bumped (and the new digest written beside the new version).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { claimMessages } from '../../core/i18n/claim';
import { LOCALES } from '../../core/i18n/locales';
import { CONSENT_TEXT_VERSIONS, messageTexts } from '../../core/i18n/messages';

/** sha256 of the six texts, language by language, as the locale files hold them (version 1: unchanged since a75879e). */
const PINNED: Record<string, string> = {
  'claim.consent@1': '86191ec1fbd72159fd397ff4a31289435eb37ffadff371cfe41fc9573638d87e',
  'card.offers.consent@1': '3103d6c163e2d87dc242440ced173024a37b7009e6d190c85538b66f80a7eefe',
};

function digest(texts: (locale: (typeof LOCALES)[number]) => string): string {
  return createHash('sha256')
    .update(JSON.stringify(LOCALES.map((locale) => [locale, texts(locale)])))
    .digest('hex');
}

describe('consent texts and their versions', () => {
  it.each([
    ['service', CONSENT_TEXT_VERSIONS.service, digest((locale) => claimMessages[locale].consent)],
    ['marketing', CONSENT_TEXT_VERSIONS.marketing, digest((locale) => messageTexts[locale]['card.offers.consent'])],
  ])('the %s consent text is the one its version %s was given to', (_purpose, version, now) => {
    expect(PINNED[version], `a consent text changed: bump CONSENT_TEXT_VERSIONS and pin ${version}'s successor to ${now}`).toBe(now);
  });

  it('every language has its own consent text, none left in English', () => {
    for (const locale of LOCALES.filter((l) => l !== 'en')) {
      expect(claimMessages[locale].consent).not.toBe(claimMessages.en.consent);
      expect(messageTexts[locale]['card.offers.consent']).not.toBe(messageTexts.en['card.offers.consent']);
    }
  });
});
