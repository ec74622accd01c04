import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/**
 * The owner's view of the facts the hub refused from a kiosk and of the kiosk flag: the report's kind
 * (`type.<outbox message type>`), the refusal's kind in words (`code.<KioskRefusalCode>`, cloud/outbox-check.ts).
 */
export const kioskRefusalMessages = defineMessages(localeFiles('kioskRefusals'));
