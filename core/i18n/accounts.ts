import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** The member card's "signed in on …" list (phone pages). */
export const memberSessionMessages = defineMessages(localeFiles('memberSession'));

/** The back office's sign-in, set-up link, accounts, API keys and TOTP pages. */
export const ownerAccountMessages = defineMessages(localeFiles('ownerAccount'));
