import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** Texts of the owner's charts, retention, locations, win-back, adjustments and a member's data export and erasure. */
export const ownerDataMessages = defineMessages(localeFiles('ownerData'));
