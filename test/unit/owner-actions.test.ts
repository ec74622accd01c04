import { describe, expect, it } from 'vitest';
import { ledgerEntrySchema } from '../../core/ledger/entry';
import { adjustmentEntry, CAMPAIGN_FIELD_PATTERN, CAMPAIGN_PATTERN, winBackEntries } from '../../core/owner-actions';

const at = new Date('2026-11-03T08:40:00Z');

describe('win-back bonus entries', () => {
  it('one bonus per member, its id naming the campaign, its label saying why', () => {
    const result = winBackEntries({ campaign: '2026-11', memberIds: ['A', 'C', 'A'], points: 30, label: 'We miss you: inactive 60+ days', at });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.entries.map((e) => [e.id, e.memberId, e.kind, e.points, e.reason])).toEqual([
      ['winback:2026-11:A', 'A', 'bonus', 30, { code: 'winback', ruleId: '2026-11', label: 'We miss you: inactive 60+ days' }],
      ['winback:2026-11:C', 'C', 'bonus', 30, { code: 'winback', ruleId: '2026-11', label: 'We miss you: inactive 60+ days' }],
    ]);
    for (const e of result.entries) expect(ledgerEntrySchema.parse(e)).toEqual(e);
  });

  it.each([
    [{ campaign: 'a b' }, 'campaign-invalid'],
    [{ campaign: '' }, 'campaign-invalid'],
    [{ points: 0 }, 'points-invalid'],
    [{ points: 2.5 }, 'points-invalid'],
    [{ points: 100_001 }, 'points-invalid'],
    [{ memberIds: [] }, 'no-members'],
  ])('refuses %j with %s', (change, error) => {
    expect(winBackEntries({ campaign: 'c1', memberIds: ['A'], points: 30, label: 'x', at, ...change })).toEqual({ ok: false, error });
  });
});

describe('points adjustment with a reason', () => {
  const base = { id: 'adjust:1', memberId: 'A', reason: 'Coffee spilt, sorry', balance: 26, at };

  it('a signed whole number with a reason becomes an adjust entry', () => {
    expect(adjustmentEntry({ ...base, delta: '+20' })).toEqual({
      ok: true,
      entry: {
        id: 'adjust:1',
        memberId: 'A',
        kind: 'adjust',
        points: 20,
        stamps: 0,
        saleId: null,
        reverses: null,
        reason: { code: 'adjust', label: 'Coffee spilt, sorry' },
        at: '2026-11-03T08:40:00.000Z',
      },
    });
    // Down to exactly zero is allowed: 26 − 26 = 0.
    const down = adjustmentEntry({ ...base, delta: ' -26 ', reason: '  double claim  ' });
    expect(down.ok && [down.entry.points, down.entry.reason.label]).toEqual([-26, 'double claim']);
  });

  it.each([
    ['1.5', 'delta-not-integer'],
    ['abc', 'delta-not-integer'],
    ['', 'delta-not-integer'],
    ['1e3', 'delta-not-integer'],
    ['0', 'delta-zero'],
    ['-0', 'delta-zero'],
    ['100001', 'delta-too-large'],
    ['-27', 'below-zero'],
  ])('refuses delta %j with %s', (delta, error) => {
    expect(adjustmentEntry({ ...base, delta })).toEqual({ ok: false, error });
  });

  it('refuses a missing or overlong reason', () => {
    expect(adjustmentEntry({ ...base, delta: '5', reason: '   ' })).toEqual({ ok: false, error: 'reason-missing' });
    expect(adjustmentEntry({ ...base, delta: '5', reason: 'x'.repeat(201) })).toEqual({ ok: false, error: 'reason-too-long' });
  });
});

describe('the campaign id field', () => {
  it('the form field’s pattern is valid where browsers compile it (the v flag) and accepts what the hub accepts', () => {
    // A browser matches `pattern` as ^(?:pattern)$ with the v flag; an invalid one is silently ignored.
    const asBrowser = new RegExp(`^(?:${CAMPAIGN_FIELD_PATTERN})$`, 'v');
    for (const id of ['winback-2026', 'spring_sale', 'a', 'x'.repeat(40)]) {
      expect(asBrowser.test(id)).toBe(true);
      expect(CAMPAIGN_PATTERN.test(id)).toBe(true);
    }
    for (const id of ['', 'two words', 'a/b', 'x'.repeat(41), 'zniżka']) {
      expect(asBrowser.test(id)).toBe(false);
      expect(CAMPAIGN_PATTERN.test(id)).toBe(false);
    }
  });
});
