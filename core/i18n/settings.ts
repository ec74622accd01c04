import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/**
 * Texts of the owner's Settings page, the first-run wizard and the program templates' names.
 * Values: `currencyLocked` {currency}; `tpl.amountOff` {amount} (formatted money).
 */
export const settingsMessages = defineMessages(localeFiles('settings'));
export type SettingsKey = keyof typeof settingsMessages.en;
