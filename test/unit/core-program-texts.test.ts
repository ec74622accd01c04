// Program texts per language (core/program/texts.ts): a program written with one text per item still
// loads as it was; names and labels in the shop's other languages are entered in the editor and picked
// by the reader's language on the receipt, the member view and the kiosk's progress, with the
// program's own text where a language has none.
import { describe, expect, it } from 'vitest';
import { memberView } from '../../cloud/member-view';
import { programEditorPage } from '../../cloud/program-pages';
import { demoProgram, DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { programFromForm } from '../../core/program/form';
import { progressToReward } from '../../core/program/progress';
import { parseProgram, serializeProgram, type Program } from '../../core/program/schema';
import { entryLabelIn, programInLanguage, rewardName, ruleLabelIn, ruleTextIn, tierName } from '../../core/program/texts';
import { buildReceiptDocument, receiptMember, saleReceiptInput } from '../../core/receipt/document';
import { layoutReceipt } from '../../core/receipt/layout';
import type { SaleView } from '../../core/till-api';

/** The demo café written in English, with Polish and German texts for the free coffee, the coffee card, the Tuesday campaign, Bronze and Gold. */
function multilingual(): Program {
  const document = structuredClone(DEMO_PROGRAM_DOCUMENT) as Record<string, unknown> & typeof DEMO_PROGRAM_DOCUMENT;
  document.locale = 'en';
  const rules = document.rules as Record<string, unknown>[];
  Object.assign(rules[1]!, { label: 'coffee card', labels: { pl: 'karta kawowa', de: 'Kaffeekarte' } });
  Object.assign(rules[2]!, { label: 'x2 Tuesday', labels: { pl: 'x2 wtorek', de: 'x2 Dienstag' } });
  Object.assign(document.rewards[0]!, { names: { pl: 'Darmowa kawa', de: 'Gratis-Kaffee' } });
  Object.assign(document.tiers.levels[0]!, { names: { de: 'Bronze-Stufe' } });
  Object.assign(document.tiers.levels[2]!, { names: { de: 'Gold-Stufe' } });
  const parsed = parseProgram(document);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.program;
}

describe('program texts per language', () => {
  it('loads a program of single texts unchanged, and refuses a second text in the program’s own language', () => {
    const old = demoProgram();
    expect(parseProgram(JSON.parse(serializeProgram(old)))).toEqual({ ok: true, program: old });
    expect(rewardName(old.rewards[0]!, 'de')).toBe('Free coffee');
    const program = multilingual();
    expect(parseProgram(JSON.parse(serializeProgram(program)))).toEqual({ ok: true, program });
    const clash = structuredClone(program) as unknown as { rewards: { names: Record<string, string> }[] };
    clash.rewards[0]!.names.en = 'Coffee on us';
    expect(parseProgram(clash)).toMatchObject({ ok: false, errors: [{ path: 'rewards.0.names.en' }] });
  });

  it('picks the reader’s language, else the program’s own text', () => {
    const program = multilingual();
    const coffee = program.rewards[0]!;
    expect([rewardName(coffee, 'pl'), rewardName(coffee, 'de'), rewardName(coffee, 'en'), rewardName(coffee, 'cs'), rewardName(coffee)]).toEqual([
      'Darmowa kawa',
      'Gratis-Kaffee',
      'Free coffee',
      'Free coffee',
      'Free coffee',
    ]);
    expect([tierName(program.tiers!.levels[2]!, 'de'), tierName(program.tiers!.levels[2]!, 'pl')]).toEqual(['Gold-Stufe', 'Gold']);
    expect([ruleTextIn(program, 'coffee-card', 'de'), ruleTextIn(program, 'free-coffee', 'pl'), ruleTextIn(program, 'coffee-card', 'cs')]).toEqual([
      'Kaffeekarte',
      'Darmowa kawa',
      undefined,
    ]);
    // The progress to the next reward, as the counter screen, staff screen and card show it.
    expect(progressToReward(program, { points: 0, stampsByCard: { 'coffee-card': 7 } }, 'de')?.rewardName).toBe('Gratis-Kaffee');
  });

  it('prints the Polish reward and campaign names on a receipt in Polish, the German ones in German', () => {
    const program = multilingual();
    const sale: SaleView = {
      saleId: 'K1-S7',
      tillSaleId: 'A-1001',
      total: { amount: 1840, currency: 'PLN' },
      payment: null,
      refunded: { amount: 0, currency: 'PLN' },
      status: 'claimed',
      points: 36,
      stamps: 1,
      earned: [
        { points: 36, stamps: 0, reason: '+36 (x2 Tuesday)' },
        { points: 0, stamps: 1, reason: '+1 (coffee card)' },
      ],
      claimUrl: null,
      claimExpiresAt: null,
      memberCode: 'M1',
      createdAt: '2026-11-24T09:00:00.000Z',
    };
    const receipt = (locale: 'pl' | 'de' | 'en'): string => {
      const member = receiptMember(program, 'Anna', { points: 10, stampsByCard: { 'coffee-card': 7 } }, locale);
      const shop = { name: 'Kawiarnia', lines: [], locale, timeZone: 'Europe/Warsaw' };
      return layoutReceipt(buildReceiptDocument(saleReceiptInput({ program, sale, member, shop })), 48)
        .flatMap((line) => (line.kind === 'text' ? [line.text] : []))
        .join('\n');
    };
    const pl = receipt('pl');
    expect(pl).toContain('Darmowa kawa');
    expect(pl).toContain('x2 wtorek');
    expect(pl).toContain('karta kawowa');
    expect(pl).not.toMatch(/Free coffee|Gratis-Kaffee|Tuesday/);
    const de = receipt('de');
    expect(de).toContain('Gratis-Kaffee');
    expect(de).toContain('x2 Dienstag');
    expect(receipt('en')).toContain('Free coffee');
    // Progress a claim brought from the hub (named in the program's language) is named again in the receipt's.
    const fromHub = receiptMember(program, 'Anna', { points: 10, stampsByCard: { 'coffee-card': 7 } });
    expect(fromHub.progress?.rewardName).toBe('Free coffee');
    const input = saleReceiptInput({ program, sale, member: fromHub, shop: { name: 'K', lines: [], locale: 'pl', timeZone: 'Europe/Warsaw' } });
    expect(input.member?.progress?.rewardName).toBe('Darmowa kawa');
  });

  it('gives the phone card the viewer’s names: rewards, progress and tier', () => {
    const program = multilingual();
    const entries = [
      {
        id: 'e1',
        memberId: 'm1',
        kind: 'earn' as const,
        points: 0,
        stamps: 7,
        saleId: 's1',
        reverses: null,
        reason: { code: 'stamps', ruleId: 'coffee-card', label: 'coffee card' },
        at: '2026-11-20T09:00:00.000Z',
      },
    ];
    const view = memberView(program, 'm1', entries, new Date('2026-11-24T09:00:00.000Z'), 'de');
    expect(view.rewards.map((r) => rewardName(r.reward, 'de'))).toContain('Gratis-Kaffee');
    expect(view.progress.tier).toBe('Bronze-Stufe');
    expect(view.progress.next?.rewardName).toBe('Gratis-Kaffee');
    expect(memberView(program, 'm1', entries, new Date('2026-11-24T09:00:00.000Z'), 'pl').progress.tier).toBe('Bronze');
  });

  it('names ledger entries in the reader’s language: rewards by id or by card and name, cards and campaigns, a stored label otherwise', () => {
    const program = multilingual();
    const named = (reason: { code: string; label?: string; ruleId?: string }): (string | undefined)[] =>
      (['pl', 'de', 'cs'] as const).map((locale) => entryLabelIn(program, reason, locale));
    // A points reward's redemption carries its id; a stamp-card reward's carries the card's id and the reward's name.
    expect(named({ code: 'redeem', ruleId: 'free-coffee', label: 'Free coffee' })).toEqual(['Darmowa kawa', 'Gratis-Kaffee', 'Free coffee']);
    expect(named({ code: 'redeem', ruleId: 'coffee-card', label: 'Free coffee' })).toEqual(['Darmowa kawa', 'Gratis-Kaffee', 'Free coffee']);
    expect(named({ code: 'voucher-expired', ruleId: 'coffee-card', label: 'Free coffee' })).toEqual(['Darmowa kawa', 'Gratis-Kaffee', 'Free coffee']);
    expect(named({ code: 'stamps', ruleId: 'coffee-card', label: 'coffee card' })).toEqual(['karta kawowa', 'Kaffeekarte', 'coffee card']);
    expect(named({ code: 'campaign', ruleId: 'tuesday', label: 'x2 Tuesday' })).toEqual(['x2 wtorek', 'x2 Dienstag', 'x2 Tuesday']);
    // A refund of the campaign's points carries the campaign's id but names the refund: its label stands.
    expect(named({ code: 'reversal', ruleId: 'tuesday', label: 'Refund' })).toEqual(['Refund', 'Refund', 'Refund']);
    // A label written before the campaign was renamed, or with no id, is found as the receipt finds it: by the label.
    expect(named({ code: 'campaign', label: 'x2 Tuesday' })).toEqual(['x2 wtorek', 'x2 Dienstag', 'x2 Tuesday']);
    expect(ruleLabelIn(program, 'x2 Tuesday, coffee card', 'de')).toBe('x2 Dienstag, Kaffeekarte');
    // The owner's own reason, a reward the program no longer has, and an entry with no label.
    expect(named({ code: 'adjust', label: 'Sorry for the wait' })).toEqual(['Sorry for the wait', 'Sorry for the wait', 'Sorry for the wait']);
    expect(named({ code: 'redeem', ruleId: 'gone', label: 'Old cake' })).toEqual(['Old cake', 'Old cake', 'Old cake']);
    expect(named({ code: 'base' })).toEqual([undefined, undefined, undefined]);
  });

  it('shows a stored label as stored: a renamed reward or campaign keeps its old name, a tier bonus puts the tier in the reader’s language', () => {
    const program = multilingual();
    const named = (p: Program, reason: { code: string; label?: string; ruleId?: string }): (string | undefined)[] =>
      (['pl', 'de', 'en'] as const).map((locale) => entryLabelIn(p, reason, locale));
    // Gold paid x1.5 when it was earned; the multiplier stays as earned, the tier's name follows the reader.
    expect(named(program, { code: 'tier', ruleId: 'gold', label: 'Gold x1.5' })).toEqual(['Gold x1.5', 'Gold-Stufe x1.5', 'Gold x1.5']);
    // A tier bonus whose tier has been renamed since, or is gone, keeps its stored label.
    expect(named(program, { code: 'tier', ruleId: 'gold', label: 'Golden x1.5' })).toEqual(['Golden x1.5', 'Golden x1.5', 'Golden x1.5']);
    expect(named(program, { code: 'tier', ruleId: 'platinum', label: 'Platinum x3' })).toEqual(['Platinum x3', 'Platinum x3', 'Platinum x3']);
    // The owner renamed the free coffee and the Tuesday campaign after these entries were written: they keep the old names.
    const renamed = structuredClone(program);
    Object.assign(renamed.rewards[0]!, { name: 'Coffee on us', names: { de: 'Kaffee aufs Haus' } });
    Object.assign(renamed.rules[2]!, { label: 'x2 Tue', labels: { de: 'x2 Di' } });
    expect(named(renamed, { code: 'redeem', ruleId: 'free-coffee', label: 'Free coffee' })).toEqual(['Free coffee', 'Free coffee', 'Free coffee']);
    expect(named(renamed, { code: 'campaign', ruleId: 'tuesday', label: 'x2 Tuesday' })).toEqual(['x2 Tuesday', 'x2 Tuesday', 'x2 Tuesday']);
    expect(named(renamed, { code: 'redeem', ruleId: 'free-coffee', label: 'Coffee on us' })).toEqual(['Coffee on us', 'Kaffee aufs Haus', 'Coffee on us']);
    // A label stored in the program's old language (the shop's language changed since) is still the item's.
    const polish = programInLanguage(program, 'pl');
    expect(named(polish, { code: 'redeem', ruleId: 'free-coffee', label: 'Free coffee' })).toEqual(['Darmowa kawa', 'Gratis-Kaffee', 'Free coffee']);
  });

  it('re-homes the texts when the program’s language changes: the new language’s text becomes the name, the old name goes beside it', () => {
    const program = multilingual();
    const polish = programInLanguage(program, 'pl');
    expect(parseProgram(JSON.parse(serializeProgram(polish)))).toEqual({ ok: true, program: polish });
    expect(polish.locale).toBe('pl');
    expect(polish.rewards[0]).toMatchObject({ name: 'Darmowa kawa', names: { en: 'Free coffee', de: 'Gratis-Kaffee' } });
    expect(polish.rules[1]).toMatchObject({ label: 'karta kawowa', labels: { en: 'coffee card', de: 'Kaffeekarte' } });
    // No Polish text: the item keeps its own (shown in every language without one) and its texts.
    expect(polish.rewards[1]).toEqual(program.rewards[1]);
    expect(polish.tiers!.levels[2]).toEqual({ ...program.tiers!.levels[2]!, names: { de: 'Gold-Stufe' } });
    expect([rewardName(polish.rewards[0]!, 'en'), rewardName(polish.rewards[0]!, 'de'), rewardName(polish.rewards[0]!, 'cs')]).toEqual([
      'Free coffee',
      'Gratis-Kaffee',
      'Darmowa kawa',
    ]);
    // German: the German text was its only other one, so the English name is the other now.
    expect(programInLanguage(program, 'de').tiers!.levels[2]).toMatchObject({ name: 'Gold-Stufe', names: { en: 'Gold' } });
    expect(programInLanguage(program, 'en')).toBe(program);
  });

  it('takes the texts from the editor: a field per other shop language, empty for none', () => {
    const program = multilingual();
    const html = programEditorPage({ locale: 'en', timeZone: program.timeZone, program, preview: [], versions: [], languages: ['pl', 'de', 'en'] });
    expect(html).toContain('name="rewards.0.names.pl" value="Darmowa kawa"');
    expect(html).toContain('name="rules.1.labels.de" value="Kaffeekarte"');
    expect(html).toContain('name="tiers.levels.2.names.de" value="Gold-Stufe"');
    // No field for the program's own language (that is the name itself), none for a language the shop does not offer.
    expect(html).not.toContain('names.en"');
    expect(html).not.toContain('names.cs"');
    const edited = programFromForm(
      program,
      [
        ['rewards.1.names.de', '10 % Rabatt'],
        ['rewards.0.names.pl', ''],
        ['rules.2.labels.pl', ''],
        ['rules.2.labels.de', ''],
      ],
      'en',
    );
    expect(edited.ok).toBe(true);
    if (!edited.ok) return;
    expect(edited.program.rewards[1]!.names).toEqual({ de: '10 % Rabatt' });
    expect(edited.program.rewards[0]!.names).toEqual({ de: 'Gratis-Kaffee' });
    // Every text of the campaign emptied: it keeps its own label only.
    expect(edited.program.rules[2]).toEqual({ type: 'multiplier', id: 'tuesday', label: 'x2 Tuesday', multiplier: 2, when: { weekdays: [2] } });
  });
});
