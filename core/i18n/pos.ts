import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** Staff notices of the till integration (print-stream passthrough). */
export const posMessages = defineMessages(localeFiles('pos'));
