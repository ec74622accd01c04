import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';
import { claimMessages } from './claim';
import { loyaltyMessages } from './loyalty';
import { scanMessages } from './scan';
import { posMessages } from './pos';
import { printerMessages, receiptMessages } from './receipt';
import { displayMessages } from './display';
import { staffMessages } from './staff';
import { ownerMessages } from './owner';
import { programMessages } from './program';
import { ownerDataMessages } from './owner-data';
import { kioskRefusalMessages } from './kiosk-refusals';
import { messageTexts } from './messages';
import { memberSessionMessages, ownerAccountMessages } from './accounts';
import { settingsMessages } from './settings';

/** Words used everywhere: points and stamps with their CLDR plural forms. */
export const commonMessages = defineMessages(localeFiles('common'));

/** Every catalog of the product, for the missing-key test. Each area adds its own here. */
export const allCatalogs = {
  common: commonMessages,
  loyalty: loyaltyMessages,
  claim: claimMessages,
  scan: scanMessages,
  receipt: receiptMessages,
  printer: printerMessages,
  pos: posMessages,
  display: displayMessages,
  staff: staffMessages,
  owner: ownerMessages,
  program: programMessages,
  ownerData: ownerDataMessages,
  messages: messageTexts,
  memberSessions: memberSessionMessages,
  ownerAccounts: ownerAccountMessages,
  kioskRefusals: kioskRefusalMessages,
  settings: settingsMessages,
};
