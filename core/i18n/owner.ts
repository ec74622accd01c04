import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** Texts of the owner's pages on the hub: login, dashboard tables, members, exports. */
export const ownerMessages = defineMessages(localeFiles('owner'));
