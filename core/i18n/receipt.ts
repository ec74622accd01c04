import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/** Texts printed on the receipt (customer-facing). */
export const receiptMessages = defineMessages(localeFiles('receipt'));

/** Printer states in words for staff: what happened and what to do. */
export const printerMessages = defineMessages(localeFiles('printer'));
