import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** Default receipt labels for ledger reasons when the program gives none (the program's locale is used). */
export const loyaltyMessages = defineMessages(localeFiles('loyalty'));
