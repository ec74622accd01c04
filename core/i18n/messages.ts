import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/**
 * Texts of the hub's messages to members (e-mail subject, paragraphs, footer; the HTML and the
 * plain-text part are built from the same keys), of the phone pages that open a card by a one-time
 * code, of the unsubscribe page and of the owner's list of undelivered messages.
 */
/**
 * The version of each consent text a member agrees to, logged with the consent (cloud/message-store.ts
 * message_consents). Bump a version whenever its text changes in any language (test/unit/consent-versions.test.ts
 * pins each version to its texts and fails until you do).
 * service: the programme consent on the join form (core/i18n/claim.ts `consent`);
 * marketing: `card.offers.consent` below, on the member card.
 */
export const CONSENT_TEXT_VERSIONS = { service: 'claim.consent@1', marketing: 'card.offers.consent@1' } as const;

export const messageTexts = defineMessages(localeFiles('message'));

export type MessageTextKey = keyof typeof messageTexts.en;
