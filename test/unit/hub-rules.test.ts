import { describe, expect, it } from 'vitest';
import { escapeHtml, claimPage } from '../../cloud/pages';
import { memberView } from '../../cloud/member-view';
import type { LedgerEntry } from '../../core/ledger/entry';
import { demoProgram } from '../../core/program/demo';
import { claimAcceptedSchema, outboxMessageSchema, syncOutboxSchema, MAX_BATCH } from '../../core/sync-protocol';
import { lanHubUrl } from '../../main/sync/lan';

describe('member card from the core projections and the program (demo program)', () => {
  const program = demoProgram();
  const at = '2026-11-25T09:00:00.000Z';
  const entry = (id: string, points: number, stamps: number, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
    id,
    memberId: 'm1',
    kind: 'earn',
    points,
    stamps,
    saleId: `s-${id}`,
    reverses: null,
    reason: { code: 'base' },
    at,
    ...extra,
  });

  it('shows the reward that is ready (core progressToReward), takes the tier from spend and marks which rewards are affordable', () => {
    const entries = [
      entry('a', 70, 0, { spend: 60_000 }),
      entry('b', 0, 7, { reason: { code: 'stamps', ruleId: 'coffee-card' } }),
      entry('b', 999, 0),
      entry('other', 500, 0, { memberId: 'm2' }),
    ];
    const view = memberView(program, 'm1', entries, new Date(at));
    // 70 points: '5 zł off' (60 points) is ready, ahead of the stamp card 2 stamps short.
    expect(view.progress).toEqual({
      next: { rewardId: 'five-zl', rewardName: '5 zł off', unit: 'points', cost: 60, remaining: 0, ready: true },
      tier: 'Silver',
    });
    expect(view.points).toBe(70);
    expect(view.stamps).toBe(7);
    expect(view.rewards.map((r) => [r.reward.id, r.costPoints, r.costStamps, r.affordable])).toEqual([
      ['free-coffee', 0, 9, false],
      ['ten-off', 100, 0, false],
      ['five-zl', 60, 0, true],
    ]);
  });

  it('says the stamp reward is ready at a full card, and a reversal takes points and tier back', () => {
    const entries = [
      entry('a', 120, 9, { spend: 60_000, reason: { code: 'base', ruleId: 'coffee-card' } }),
      entry('r', -120, -9, { kind: 'reversal', reverses: 'a', saleId: 's-a', spend: -60_000, reason: { code: 'reversal', ruleId: 'coffee-card' } }),
    ];
    expect(memberView(program, 'm1', entries.slice(0, 1), new Date(at)).progress).toEqual({
      next: { rewardId: 'free-coffee', rewardName: 'Free coffee', unit: 'stamps', cost: 9, remaining: 0, ready: true },
      tier: 'Silver',
    });
    const after = memberView(program, 'm1', entries, new Date(at));
    expect(after).toMatchObject({
      points: 0,
      stamps: 0,
      progress: { next: { rewardId: 'free-coffee', unit: 'stamps', remaining: 9, ready: false }, tier: 'Bronze' },
    });
    expect(after.rewards.every((r) => !r.affordable)).toBe(true);
  });
});

describe('pages', () => {
  it('escapes everything a customer or owner typed', () => {
    expect(escapeHtml(`<script>"x"&'y'`)).toBe('&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;');
    const html = claimPage({
      locale: 'en',
      shopName: '<b>Shop</b>',
      privacyText: 'p',
      points: 3,
      action: '/C/AA',
      member: null,
      values: { name: '"><script>alert(1)</script>', contact: '', consent: false },
    });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<b>Shop</b>');
  });
});

describe('sync protocol schemas', () => {
  const entry = {
    id: 'e1',
    memberId: 'm1',
    kind: 'earn',
    points: 5,
    stamps: 0,
    saleId: 's1',
    reverses: null,
    reason: { code: 'base' },
    at: '2026-11-23T10:00:00.000Z',
  };
  it('accepts a well-formed outbox message and refuses unknown types, extra fields and oversize batches', () => {
    expect(outboxMessageSchema.safeParse({ id: 'm1', at: entry.at, type: 'ledgerAppended', payload: { entries: [entry] } }).success).toBe(true);
    expect(outboxMessageSchema.safeParse({ id: 'm1', at: entry.at, type: 'dropTables', payload: {} }).success).toBe(false);
    const reversed = { saleId: 'K1-S4', saleNo: 4, total: { amount: 1840, currency: 'PLN' }, refunded: { amount: 1840, currency: 'PLN' }, full: true };
    expect(outboxMessageSchema.safeParse({ id: 'm2', at: entry.at, type: 'saleReversed', payload: reversed }).success).toBe(true);
    expect(outboxMessageSchema.safeParse({ id: 'm2', at: entry.at, type: 'saleReversed', payload: { ...reversed, saleNo: -1 } }).success).toBe(false);
    expect(outboxMessageSchema.safeParse({ id: 'm2', at: entry.at, type: 'saleReversed', payload: { ...reversed, full: 'yes' } }).success).toBe(false);
    expect(outboxMessageSchema.safeParse({ id: 'm1', at: entry.at, type: 'ledgerAppended', payload: { entries: [entry] }, extra: 1 }).success).toBe(false);
    const one = { id: 'm', at: entry.at, type: 'ledgerAppended', payload: { entries: [entry] } };
    expect(syncOutboxSchema.safeParse({ messages: Array.from({ length: MAX_BATCH + 1 }, () => one) }).success).toBe(false);
    expect(claimAcceptedSchema.safeParse({ deliveryId: 'x' }).success).toBe(false);
  });
});

describe('LAN address for npm start', () => {
  it('picks the first external IPv4 address and falls back to loopback', () => {
    const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') => ({
      address,
      internal,
      family,
      netmask: '',
      mac: '',
      cidr: null,
      scopeid: 0,
    });
    expect(lanHubUrl(7400, { lo: [iface('127.0.0.1', true)], wlan0: [iface('fe80::1', false, 'IPv6'), iface('192.168.1.20', false)] })).toBe(
      'http://192.168.1.20:7400',
    );
    expect(lanHubUrl(7400, { lo: [iface('127.0.0.1', true)] })).toBe('http://127.0.0.1:7400');
  });
});
