import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** The customer display: idle, sale with its QR, thank-you. Short, large, friendly. */
export const displayMessages = defineMessages(localeFiles('display'));

/** Each language's name in that language, for the language switch. */
export const LANGUAGE_NAMES = { pl: 'Polski', hu: 'Magyar', sk: 'Slovenčina', cs: 'Čeština', de: 'Deutsch', en: 'English' } as const;
