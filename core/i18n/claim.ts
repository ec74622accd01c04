import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** Texts of the phone pages served by the hub: claim page, join form, member card, voucher. */
export const claimMessages = defineMessages(localeFiles('claim'));

export type ClaimMessageKey = keyof typeof claimMessages.en;
