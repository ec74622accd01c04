import { describe, expect, it } from 'vitest';
import { NO_FRAME } from '../../cloud/back-office/layout';
import { undeliveredPage } from '../../cloud/message-pages';
import { capReason, gaveUpReason, noSenderReason, reasonText, SUPPRESSED } from '../../cloud/message-reasons';
import type { MessageRow } from '../../cloud/message-store';
import { formatMessage } from '../../core/i18n/catalog';
import { LOCALES } from '../../core/i18n/locales';
import { messageTexts } from '../../core/i18n/messages';
import { DEFAULT_MESSAGE_RULES } from '../../core/message-rules';

// The messages page's "Why" column: the reasons the hub stores (English, for the log) in the owner's language.
describe('why a message did not go, for the owner', () => {
  it('maps every reason the sender writes to its own message key', () => {
    expect(reasonText(SUPPRESSED.noContact)).toEqual({ key: 'owner.why.noContact' });
    expect(reasonText(SUPPRESSED.noConsent)).toEqual({ key: 'owner.why.noConsent' });
    expect(reasonText(SUPPRESSED.noEmail)).toEqual({ key: 'owner.why.noEmail' });
    expect(reasonText(SUPPRESSED.noSms)).toEqual({ key: 'owner.why.noSms' });
    expect(reasonText(noSenderReason('email'))).toEqual({ key: 'owner.why.noEmail' });
    expect(reasonText(noSenderReason('sms'))).toEqual({ key: 'owner.why.noSms' });
    expect(reasonText(capReason(1))).toEqual({ key: 'owner.why.cap', values: { cap: 1 } });
    expect(reasonText(capReason(3))).toEqual({ key: 'owner.why.cap', values: { cap: 3 } });
    expect(reasonText(gaveUpReason(5, '421 try again later'))).toEqual({ key: 'owner.why.gaveUp', values: { attempts: 5 } });
  });

  it('reads the reasons stored before the list existed (the same English words)', () => {
    expect(reasonText('no SMS configured')).toEqual({ key: 'owner.why.noSms' });
    expect(reasonText('frequency cap: this member already had 2 marketing messages in the last 7 days')).toEqual({ key: 'owner.why.cap', values: { cap: 2 } });
  });

  it('shows anything else as the generic text: a provider reply may carry addresses or internals', () => {
    expect(reasonText('550 5.1.1 <bounce@example.com>: mailbox unavailable')).toEqual({ key: 'owner.why.other' });
    expect(reasonText('')).toEqual({ key: 'owner.why.other' });
  });

  it.each(LOCALES)('%s: the column is in the owner’s language, and no stored English or provider words reach it', (locale) => {
    const row = (id: string, state: 'suppressed' | 'failed', reason: string | null): MessageRow => ({
      id,
      shop_no: 1,
      member_id: null,
      purpose: 'winBack',
      kind: 'marketing',
      channel: 'sms',
      recipient: '+48600100200',
      locale,
      subject: '',
      body_text: '',
      body_html: '',
      secret: null,
      state,
      reason,
      attempts: 1,
      next_attempt_at: '2026-11-03T08:40:00.000Z',
      locked_until: null,
      locked_by: null,
      created_at: '2026-11-03T08:40:00.000Z',
      settled_at: null,
    });
    const html = undeliveredPage(
      locale,
      [
        row('a', 'suppressed', SUPPRESSED.noSms),
        row('b', 'suppressed', capReason(2)),
        row('c', 'failed', '550 mailbox unavailable at smtp.internal:25'),
        row('d', 'failed', null),
      ],
      { ...NO_FRAME, csrf: 'csrf' },
      { rules: DEFAULT_MESSAGE_RULES, zone: 'Europe/Warsaw' },
    );
    const cells = [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].map((r) => [...r[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((c) => c[1]!)).filter((c) => c.length > 0);
    const why = cells.map((c) => c.at(-1));
    const say = (key: 'owner.why.noSms' | 'owner.why.cap' | 'owner.why.other', values?: Record<string, number>): string =>
      formatMessage(messageTexts, locale, key, values).replaceAll("'", '&#x27;');
    expect(why).toEqual([say('owner.why.noSms'), say('owner.why.cap', { cap: 2 }), say('owner.why.other'), '']);
    expect(html).not.toContain('no SMS configured');
    expect(html).not.toContain('mailbox');
    expect(html).not.toContain('smtp.internal');
    // Each language has its own words (English only in English).
    if (locale !== 'en') expect(why[0]).not.toBe(formatMessage(messageTexts, 'en', 'owner.why.noSms'));
  });
});
