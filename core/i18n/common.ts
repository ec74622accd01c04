import { defineMessages } from './catalog';
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
import { messageTexts } from './messages';
import { memberSessionMessages, ownerAccountMessages } from './accounts';

/** Words used everywhere: points and stamps with their CLDR plural forms. */
export const commonMessages = defineMessages({
  en: {
    points: '{n, plural, one {# point} other {# points}}',
    stamps: '{n, plural, one {# stamp} other {# stamps}}',
  },
  pl: {
    points: '{n, plural, one {# punkt} few {# punkty} many {# punktów} other {# punktu}}',
    stamps: '{n, plural, one {# pieczątka} few {# pieczątki} many {# pieczątek} other {# pieczątki}}',
  },
  hu: {
    points: '{n, plural, one {# pont} other {# pont}}',
    stamps: '{n, plural, one {# pecsét} other {# pecsét}}',
  },
  sk: {
    points: '{n, plural, one {# bod} few {# body} many {# bodu} other {# bodov}}',
    stamps: '{n, plural, one {# pečiatka} few {# pečiatky} many {# pečiatky} other {# pečiatok}}',
  },
  cs: {
    points: '{n, plural, one {# bod} few {# body} many {# bodu} other {# bodů}}',
    stamps: '{n, plural, one {# razítko} few {# razítka} many {# razítka} other {# razítek}}',
  },
  de: {
    points: '{n, plural, one {# Punkt} other {# Punkte}}',
    stamps: '{n, plural, one {# Stempel} other {# Stempel}}',
  },
});

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
};
