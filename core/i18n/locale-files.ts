import cs from './locales/cs.json';
import de from './locales/de.json';
import en from './locales/en.json';
import hu from './locales/hu.json';
import pl from './locales/pl.json';
import sk from './locales/sk.json';

/**
 * The translations, one file per language (`core/i18n/locales/<lang>.json`), so a translator works on
 * one language at a time; each file holds every area's messages (ICU MessageFormat) under the area's
 * name. English is the reference: its keys are the type, and `missingKeys` (test/unit/i18n.test.ts)
 * fails for a key another language lacks or has extra. The area modules (claim.ts, staff.ts, …) say
 * what each message's values are.
 */
type Areas = typeof en;

const FILES: Record<'en' | 'pl' | 'hu' | 'sk' | 'cs' | 'de', unknown> = { en, pl, hu, sk, cs, de };

/** One area's messages in the six languages, as `defineMessages` takes them. */
export function localeFiles<A extends keyof Areas>(area: A): { en: Areas[A]; pl: Areas[A]; hu: Areas[A]; sk: Areas[A]; cs: Areas[A]; de: Areas[A] } {
  const pick = (language: keyof typeof FILES): Areas[A] => (FILES[language] as Areas)[area];
  return { en: pick('en'), pl: pick('pl'), hu: pick('hu'), sk: pick('sk'), cs: pick('cs'), de: pick('de') };
}
