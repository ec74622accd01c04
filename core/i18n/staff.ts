import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** Staff mode: PIN pad, sale keypad, members, rewards, refunds, devices, today's figures. */
export const staffMessages = defineMessages(localeFiles('staff'));
