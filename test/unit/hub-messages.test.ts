import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../core/i18n/locales';
import { renderMail, renderSms, TEMPLATES } from '../../cloud/message-templates';
import { smsLength } from '../../cloud/sms-length';

describe('message templates', () => {
  it.each(LOCALES)('%s: the text and HTML parts carry the same paragraphs, the code, and the unsubscribe link of a marketing message', (locale) => {
    const code = renderMail(TEMPLATES.code, locale, { shop: 'Kawiarnia', code: '123456' }, 'Anna', null);
    expect(code.subject).toContain('123456');
    expect(code.text).toContain('123456');
    expect(code.html).toContain('123456');
    expect(code.html).toContain(`lang="${locale}"`);
    const offer = renderMail(TEMPLATES.winBack, locale, { shop: 'Kawiarnia', points: 50 }, null, 'https://hub.example/u/abc.def');
    expect(offer.text).toContain('https://hub.example/u/abc.def');
    expect(offer.html).toContain('href="https://hub.example/u/abc.def"');
    expect(offer.text).toContain('50');
  });

  it('escapes what a member typed in the HTML part only', () => {
    const mail = renderMail(TEMPLATES.welcome, 'en', { shop: 'A&B' }, '<b>Eve</b>', null);
    expect(mail.text).toContain('Hello <b>Eve</b>,');
    expect(mail.html).toContain('Hello &lt;b&gt;Eve&lt;/b&gt;,');
    expect(mail.html).not.toContain('<b>Eve');
    expect(mail.html).toContain('A&amp;B');
  });

  it('an SMS is the paragraphs only', () => {
    expect(renderSms(TEMPLATES.code, 'en', { shop: 'Kawiarnia', code: '123456' }, null)).toBe(
      'Your code for Kawiarnia is 123456. It is valid for 10 minutes. If you did not ask for it, ignore this message.',
    );
  });
});

describe('SMS length (GSM-7 or UCS-2)', () => {
  it.each([
    ['Your code is 123456', 'gsm7', 19, 1],
    ['a'.repeat(160), 'gsm7', 160, 1],
    ['a'.repeat(161), 'gsm7', 161, 2],
    ['€'.repeat(80), 'gsm7', 160, 1],
    ['[x]'.repeat(40), 'gsm7', 200, 2],
    ['Öffnen Sie Ihre Karte', 'gsm7', 21, 1],
    ['Zażółć gęślą jaźń', 'ucs2', 17, 1],
    ['Váš kód je 123456, platí 10 minut (čeština)', 'ucs2', 43, 1],
    ['Köszönjük, ő és ű', 'ucs2', 17, 1],
    ['ľ'.repeat(70), 'ucs2', 70, 1],
    ['ľ'.repeat(71), 'ucs2', 71, 2],
    ['ř'.repeat(135), 'ucs2', 135, 3],
    ['🙂', 'ucs2', 2, 1],
  ] as const)('%j → %s, %d units, %d part(s)', (text, encoding, units, parts) => {
    expect(smsLength(text)).toEqual({ encoding, units, parts });
  });
});
