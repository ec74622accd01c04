import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/**
 * The owner's program editor: the checks that refuse an edit (at the field), the live preview lines
 * and the editor page. Amounts arrive already formatted (formatMoney); weekdays are ISO numbers 1–7.
 */
export const programMessages = defineMessages(localeFiles('program'));
