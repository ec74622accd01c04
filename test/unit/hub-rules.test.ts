import { describe, expect, it } from 'vitest';
import { parseContact } from '../../cloud/contact';
import { escapeHtml, claimPage } from '../../cloud/pages';
import { DEFAULT_PROGRAM, affordable, progressFor } from '../../cloud/program-view';
import { claimAcceptedSchema, outboxMessageSchema, syncOutboxSchema, MAX_BATCH } from '../../core/sync-protocol';
import { lanHubUrl } from '../../main/sync/lan';

describe('join form contact', () => {
  it('accepts phone numbers with spaces and dashes and e-mail addresses, normalised', () => {
    expect(parseContact('+48 600-100-200')).toEqual({ phone: '+48600100200', email: null });
    expect(parseContact('601 123 456')).toEqual({ phone: '601123456', email: null });
    expect(parseContact(' Anna@Example.PL ')).toEqual({ phone: null, email: 'anna@example.pl' });
  });
  it('refuses what is neither', () => {
    for (const bad of ['', '12ab', '600 1', '+48 600 100 200 300 400', 'anna@', 'anna@example', 'a b@c.de', '<x>@y.com']) {
      expect(parseContact(bad), bad).toBeUndefined();
    }
  });
});

describe('member card rules (hub view of the program)', () => {
  it('counts stamps to the reward, picks the tier and lists affordable rewards', () => {
    expect(progressFor(DEFAULT_PROGRAM, { points: 0, stamps: 6, earned: 600 })).toEqual({ stampsToReward: 2, rewardName: 'free coffee', tier: 'Silver' });
    expect(progressFor(DEFAULT_PROGRAM, { points: 0, stamps: 9, earned: 0 }).stampsToReward).toBe(0);
    expect(affordable(DEFAULT_PROGRAM, { points: 160, stamps: 8, earned: 0 }).map((r) => r.rewardNo)).toEqual([0, 1]);
    expect(affordable(DEFAULT_PROGRAM, { points: 10, stamps: 1, earned: 0 })).toEqual([]);
  });
});

describe('pages', () => {
  it('escapes everything a customer or owner typed', () => {
    expect(escapeHtml(`<script>"x"&'y'`)).toBe('&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;');
    const html = claimPage({ locale: 'en', shopName: '<b>Shop</b>', privacyText: 'p', points: 3, action: '/C/AA', member: null,
      values: { name: '"><script>alert(1)</script>', contact: '', consent: false } });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<b>Shop</b>');
  });
});

describe('sync protocol schemas', () => {
  const entry = { id: 'e1', memberId: 'm1', kind: 'earn', points: 5, stamps: 0, saleId: 's1', reverses: null, reason: { code: 'base' }, at: '2026-11-23T10:00:00.000Z' };
  it('accepts a well-formed outbox message and refuses unknown types, extra fields and oversize batches', () => {
    expect(outboxMessageSchema.safeParse({ id: 'm1', at: entry.at, type: 'ledgerAppended', payload: { entries: [entry] } }).success).toBe(true);
    expect(outboxMessageSchema.safeParse({ id: 'm1', at: entry.at, type: 'dropTables', payload: {} }).success).toBe(false);
    expect(outboxMessageSchema.safeParse({ id: 'm1', at: entry.at, type: 'ledgerAppended', payload: { entries: [entry] }, extra: 1 }).success).toBe(false);
    const one = { id: 'm', at: entry.at, type: 'ledgerAppended', payload: { entries: [entry] } };
    expect(syncOutboxSchema.safeParse({ messages: Array.from({ length: MAX_BATCH + 1 }, () => one) }).success).toBe(false);
    expect(claimAcceptedSchema.safeParse({ deliveryId: 'x' }).success).toBe(false);
  });
});

describe('LAN address for npm start', () => {
  it('picks the first external IPv4 address and falls back to loopback', () => {
    const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
      ({ address, internal, family, netmask: '', mac: '', cidr: null, scopeid: 0 });
    expect(lanHubUrl(7400, { lo: [iface('127.0.0.1', true)], wlan0: [iface('fe80::1', false, 'IPv6'), iface('192.168.1.20', false)] }))
      .toBe('http://192.168.1.20:7400');
    expect(lanHubUrl(7400, { lo: [iface('127.0.0.1', true)] })).toBe('http://127.0.0.1:7400');
  });
});
