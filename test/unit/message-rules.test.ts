import { describe, expect, it } from 'vitest';
import { renderMail, renderSms, TEMPLATES } from '../../cloud/message-templates';
import { smsLength } from '../../cloud/sms-length';
import { LOCALES } from '../../core/i18n/locales';
import type { LedgerEntry } from '../../core/ledger/entry';
import { messageRulesFromForm, parseMessageRules, pointsExpiringSoon, quietUntil, rewardsNewlyReady, DEFAULT_MESSAGE_RULES } from '../../core/message-rules';
import { addDays, addMonths, localTime, zonedInstant } from '../../core/program/clock';
import { demoProgram } from '../../core/program/demo';

const WARSAW = 'Europe/Warsaw';
/** A day a few days after today's clock, so the tests hold on any date (daylight saving included). */
const day = addDays(localTime(new Date(), WARSAW).date, 3);
const at = (time: string, date = day): Date => zonedInstant(date, time, WARSAW);
const overnight = { from: '21:00', to: '08:00' };

describe('quiet hours', () => {
  it('holds a message asked for in the evening until the next morning, on the shop clock', () => {
    expect(quietUntil(at('22:30'), WARSAW, overnight)?.toISOString()).toBe(at('08:00', addDays(day, 1)).toISOString());
    expect(quietUntil(at('21:00'), WARSAW, overnight)?.toISOString()).toBe(at('08:00', addDays(day, 1)).toISOString());
  });

  it('holds one asked for before the window opens until the same morning, and lets the day pass', () => {
    expect(quietUntil(at('06:15'), WARSAW, overnight)?.toISOString()).toBe(at('08:00').toISOString());
    expect(quietUntil(at('08:00'), WARSAW, overnight)).toBeNull();
    expect(quietUntil(at('20:59'), WARSAW, overnight)).toBeNull();
  });

  it('a window within one day, and none', () => {
    expect(quietUntil(at('13:30'), WARSAW, { from: '13:00', to: '15:00' })?.toISOString()).toBe(at('15:00').toISOString());
    expect(quietUntil(at('16:00'), WARSAW, { from: '13:00', to: '15:00' })).toBeNull();
    expect(quietUntil(at('23:00'), WARSAW, null)).toBeNull();
  });

  it('reads the owner form, refusing what it cannot use', () => {
    const form = (v: Record<string, string>) => (name: string) => v[name] ?? null;
    expect(messageRulesFromForm(form({ quietFrom: '22:00', quietTo: '07:30', weeklyCap: '3' }))).toEqual({
      ok: true,
      rules: { quiet: { from: '22:00', to: '07:30' }, weeklyCap: 3 },
    });
    expect(messageRulesFromForm(form({ quietFrom: '', quietTo: '', weeklyCap: '0' }))).toEqual({ ok: true, rules: { quiet: null, weeklyCap: 0 } });
    expect(messageRulesFromForm(form({ quietFrom: '25:00', quietTo: '07:00', weeklyCap: '3' }))).toEqual({ ok: false, error: 'quiet' });
    expect(messageRulesFromForm(form({ quietFrom: '22:00', quietTo: '', weeklyCap: '3' }))).toEqual({ ok: false, error: 'quiet' });
    expect(messageRulesFromForm(form({ quietFrom: '22:00', quietTo: '07:00', weeklyCap: '-1' }))).toEqual({ ok: false, error: 'weeklyCap' });
    expect(messageRulesFromForm(form({ quietFrom: '22:00', quietTo: '07:00', weeklyCap: '101' }))).toEqual({ ok: false, error: 'weeklyCap' });
    expect(parseMessageRules('not json')).toEqual(DEFAULT_MESSAGE_RULES);
    expect(parseMessageRules(JSON.stringify({ quiet: null, weeklyCap: 5 }))).toEqual({ quiet: null, weeklyCap: 5 });
  });
});

describe('what a claim or the calendar makes worth telling', () => {
  const program = demoProgram();

  it('a reward is newly ready only when the claim crossed its cost', () => {
    const names = (before: number, after: number, stamps = 0) =>
      rewardsNewlyReady(program, { points: before, stampsByCard: { 'coffee-card': stamps } }, { points: after, stampsByCard: { 'coffee-card': stamps } }).map(
        (r) => r.id,
      );
    expect(names(50, 68)).toEqual(['five-zl']);
    expect(names(68, 86)).toEqual([]);
    expect(names(86, 104)).toEqual(['ten-off']);
    expect(rewardsNewlyReady(program, { points: 0, stampsByCard: { 'coffee-card': 8 } }, { points: 0, stampsByCard: { 'coffee-card': 9 } })[0]?.id).toBe(
      'free-coffee',
    );
  });

  it('points that expire within 14 days, with the local date they go, and none outside the window', () => {
    const now = at('10:00');
    const earn = (id: string, points: number, earnedAt: Date): LedgerEntry => ({
      id,
      memberId: 'm1',
      kind: 'earn',
      points,
      stamps: 0,
      saleId: null,
      reverses: null,
      reason: { code: 'points' },
      at: earnedAt.toISOString(),
    });
    // 12 months of validity in the demo program: earned a year minus 5 days ago → goes in 5 days.
    const yearAgo = (days: number): Date => zonedInstant(addDays(`${Number(day.slice(0, 4)) - 1}${day.slice(4)}`, days), '10:00', WARSAW);
    const soon = earn('a', 30, yearAgo(5));
    const later = earn('b', 20, yearAgo(40));
    expect(pointsExpiringSoon(program, 'm1', [soon, later], now)).toEqual({ points: 30, date: localTime(addMonths(yearAgo(5), 12), WARSAW).date });
    expect(pointsExpiringSoon(program, 'm1', [later], now)).toBeNull();
    const spent: LedgerEntry = { ...earn('c', -30, now), kind: 'redeem' };
    expect(pointsExpiringSoon(program, 'm1', [soon, later, spent], now)).toBeNull();
  });
});

describe('the messages in six languages', () => {
  it.each(LOCALES)('%s: reward ready, points expiring and win-back render with their values and no placeholder left', (locale) => {
    const ready = renderMail(TEMPLATES.rewardReady, locale, { shop: 'Kawiarnia', reward: 'Darmowa kawa' }, 'Anna', null);
    const expiring = renderMail(TEMPLATES.pointsExpiring, locale, { shop: 'Kawiarnia', points: 30, date: '12.05.' }, null, null);
    const winBack = renderMail(TEMPLATES.winBack, locale, { shop: 'Kawiarnia', points: 50 }, null, 'https://hub.example/u/a.b');
    for (const mail of [ready, expiring, winBack]) {
      expect(mail.html).toContain(`lang="${locale}"`);
      expect(mail.text).not.toMatch(/[{}]/);
      expect(mail.subject).not.toMatch(/[{}]/);
    }
    expect(ready.subject + ready.text).toContain('Darmowa kawa');
    expect(expiring.text).toContain('30');
    expect(expiring.text).toContain('12.05.');
    expect(winBack.text).toContain('https://hub.example/u/a.b');
    // Service messages carry no unsubscribe link; the marketing one does.
    expect(TEMPLATES.rewardReady.marketing).toBe(false);
    expect(TEMPLATES.pointsExpiring.marketing).toBe(false);
    expect(TEMPLATES.winBack.marketing).toBe(true);
  });

  it('accents force UCS-2: a Polish win-back SMS is counted in 70/67 parts, the English one in GSM-7', () => {
    const pl = smsLength(renderSms(TEMPLATES.winBack, 'pl', { shop: 'Kawiarnia', points: 50 }, 'https://hub.example/u/a.b'));
    const en = smsLength(renderSms(TEMPLATES.winBack, 'en', { shop: 'Kawiarnia', points: 50 }, 'https://hub.example/u/a.b'));
    expect(pl.encoding).toBe('ucs2');
    expect(pl.parts).toBe(Math.ceil(pl.units / 67));
    expect(en.encoding).toBe('gsm7');
  });
});
