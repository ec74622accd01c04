import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../core/ledger/entry';
import type { KioskStore } from '../../main/store';
import { DB_FILE, latestVersion, openStore, StoreConflictError, StoreError, StoreInputError, StoreTooNewError } from '../../main/store';
import { migrate } from '../../main/store/migrations';
import { earn, iso, member, saleWithEntries, T0 } from '../fixtures/store-data';
import { systemClock } from '../../core/clock';

let dir: string;
let store: KioskStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-api-'));
  store = openStore({ now: systemClock, dir, maxSaleAmount: { PLN: 1_000_000 } });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything a write could have touched, to prove a refused write changed nothing. */
function snapshot(s: KioskStore): unknown {
  return { counts: s.counts(), problems: s.checkProjections(), balances: [0, 1, 2].map((n) => s.balance(`m-${n}`)), outbox: s.pendingOutbox(1000) };
}

describe('opening the store', () => {
  it('creates the file on disk with WAL, synchronous=FULL, foreign keys, an exclusive lock and a busy timeout', () => {
    expect(existsSync(join(dir, DB_FILE))).toBe(true);
    expect(store.settingsInForce()).toEqual({ journalMode: 'wal', synchronous: 2, foreignKeys: 1, lockingMode: 'exclusive', busyTimeout: 5000 });
    expect(store.schemaVersion()).toBe(latestVersion);
  });

  it('reopens without applying migrations again and keeps the data', () => {
    store.createMember(member(1));
    store.close();
    store = openStore({ now: systemClock, dir });
    expect(store.schemaVersion()).toBe(latestVersion);
    expect(store.findMemberByCode('MBR000001')?.id).toBe('m-1');
  });

  it('refuses a store written by a newer kiosk, with a message, and leaves the file alone', () => {
    store.close();
    const raw = new Database(join(dir, DB_FILE));
    raw.pragma(`user_version = ${latestVersion + 1}`);
    raw.close();
    expect(() => openStore({ now: systemClock, dir })).toThrow(StoreTooNewError);
    expect(() => openStore({ now: systemClock, dir })).toThrow(
      new RegExp(`schema version ${latestVersion + 1}, but this kiosk version knows only up to ${latestVersion}.*newer kiosk`),
    );
    const check = new Database(join(dir, DB_FILE));
    expect(check.pragma('user_version', { simple: true })).toBe(latestVersion + 1);
    check.close();
    // The refused opens let go of the lock: a raw fix and a reopen work.
    const fix = new Database(join(dir, DB_FILE));
    fix.pragma(`user_version = ${latestVersion}`);
    fix.close();
    store = openStore({ now: systemClock, dir });
  });

  it('applies only the migrations above the current version, each all or nothing', () => {
    const raw = new Database(':memory:');
    const list = [
      { version: 1, name: 'one', sql: 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT); CREATE TABLE a (x);' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (x);' },
    ];
    expect(migrate(raw, systemClock, list.slice(0, 1))).toEqual([1]);
    expect(migrate(raw, systemClock, list)).toEqual([2]);
    expect(migrate(raw, systemClock, list)).toEqual([]);
    const broken = [...list, { version: 3, name: 'broken', sql: 'CREATE TABLE c (x); CREATE TABLE c (y);' }];
    expect(() => migrate(raw, systemClock, broken)).toThrow(/already exists/);
    expect(raw.pragma('user_version', { simple: true })).toBe(2);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'c'").get()).toEqual({ n: 0 });
    expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([{ version: 1 }, { version: 2 }]);
    expect(() => migrate(raw, systemClock, [list[1]!, list[0]!])).toThrow(/versions start at 1 and go up/);
    // Numbers are handed to parallel branches: 4 may land before 3, and 3 is applied when it arrives.
    const four = { version: 4, name: 'four', sql: 'CREATE TABLE d (x);' };
    expect(migrate(raw, systemClock, [...list, four])).toEqual([4]);
    expect(raw.pragma('user_version', { simple: true })).toBe(4);
    expect(migrate(raw, systemClock, [...list, { version: 3, name: 'three', sql: 'CREATE TABLE e (x);' }, four])).toEqual([3]);
    expect(raw.pragma('user_version', { simple: true })).toBe(4);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('d', 'e')").get()).toEqual({ n: 2 });
    raw.close();
  });

  it('refuses calls after close with a clear error', () => {
    store.close();
    expect(() => store.counts()).toThrow(StoreError);
    expect(() => store.counts()).toThrow(/store is closed/);
    store = openStore({ now: systemClock, dir });
  });
});

describe('sales', () => {
  beforeEach(() => {
    store.createMember(member(0));
  });

  it('records a sale, its entries and its outbox message in one call, and a replay writes nothing', () => {
    const s = saleWithEntries(1, 'm-0');
    const first = store.recordSale(s);
    expect(first.status).toBe('recorded');
    expect(first.status === 'recorded' && first.entries).toEqual({ appended: ['s-1-e1', 's-1-e2'], duplicates: [] });
    expect(store.getSale('s-1')).toMatchObject({ id: 's-1', tillSaleId: 'T-s-1', total: { amount: 1840, currency: 'PLN' }, status: 'recorded', refunded: 0 });
    expect(store.getSaleByTillId('T-s-1')?.id).toBe('s-1');
    expect(store.entriesForSale('s-1').map((e) => e.id)).toEqual(['s-1-e1', 's-1-e2']);
    expect(store.balance('m-0')).toMatchObject({ points: 18, stamps: 1, stampsByCard: { 'coffee-card': 1 }, entries: 2 });
    const before = snapshot(store);
    expect(store.recordSale(s).status).toBe('duplicate');
    // A till retry: same till id and total under a new kiosk sale id.
    const retry = store.recordSale({ ...s, sale: { ...s.sale, id: 's-1-retry' }, entries: [] });
    expect(retry).toMatchObject({ status: 'duplicate', sale: { id: 's-1' } });
    expect(snapshot(store)).toEqual(before);
  });

  it('refuses the same till id with another total, and the same sale id with other content', () => {
    const s = saleWithEntries(1, 'm-0');
    store.recordSale(s);
    const before = snapshot(store);
    expect(() => store.recordSale({ sale: { ...s.sale, id: 's-other', total: { amount: 999, currency: 'PLN' } } })).toThrow(
      /Till sale T-s-1 was already recorded with 18.40 PLN/,
    );
    expect(() => store.recordSale({ sale: { ...s.sale, total: { amount: 999, currency: 'PLN' } } })).toThrow(StoreConflictError);
    expect(snapshot(store)).toEqual(before);
  });

  it.each([
    ['a float amount', { total: { amount: 18.4, currency: 'PLN' } }, /total.amount: amount must be an integer/],
    ['a zero amount', { total: { amount: 0, currency: 'PLN' } }, /total must be more than zero/],
    ['a negative amount', { total: { amount: -100, currency: 'PLN' } }, /total must be more than zero/],
    ['an unknown currency', { total: { amount: 100, currency: 'XYZ' } }, /unknown currency "XYZ"/],
    ['an amount over the ceiling', { total: { amount: 1_000_001, currency: 'PLN' } }, /over the ceiling of 10000.00 PLN/],
    ['a bad time', { createdAt: 'yesterday' }, /createdAt: must be an ISO 8601 instant/],
    ['an unknown field', { discount: 5 }, /Unrecognized key/],
  ])('refuses a sale with %s and writes nothing', (_what, change, message) => {
    const s = saleWithEntries(2, 'm-0');
    const before = snapshot(store);
    const bad = { ...s, sale: { ...s.sale, ...change } } as unknown as typeof s;
    expect(() => store.recordSale(bad)).toThrow(StoreInputError);
    expect(() => store.recordSale(bad)).toThrow(message);
    expect(snapshot(store)).toEqual(before);
  });

  it('refuses entries that fail the ledger schema or belong elsewhere, and writes nothing (not even the sale)', () => {
    const s = saleWithEntries(3, 'm-0');
    const before = snapshot(store);
    const fractional = { ...s, entries: [{ ...s.entries[0]!, points: 1.5 }] };
    expect(() => store.recordSale(fractional)).toThrow(/entries.*0.points/);
    const otherSale = { ...s, entries: [{ ...s.entries[0]!, saleId: 's-999' }] };
    expect(() => store.recordSale(otherSale)).toThrow(/belongs to sale s-999, not s-3/);
    const otherMember = { ...s, entries: [{ ...s.entries[0]!, memberId: 'm-1' }] };
    expect(() => store.recordSale(otherMember)).toThrow(/for member m-1 but the sale's member is m-0/);
    expect(store.getSale('s-3')).toBeUndefined();
    expect(snapshot(store)).toEqual(before);
  });

  it('rolls the whole sale back when one of its entries clashes with a stored entry', () => {
    store.appendEntries([earn('taken', 'm-0', null, 5, 0, T0)]);
    const before = snapshot(store);
    const s = saleWithEntries(4, 'm-0');
    const clash = { ...s, entries: [s.entries[0]!, { ...s.entries[1]!, id: 'taken' }] };
    expect(() => store.recordSale(clash)).toThrow(/Ledger entry taken already exists with different content/);
    expect(store.getSale('s-4')).toBeUndefined();
    expect(store.getEntry('s-4-e1')).toBeUndefined();
    expect(snapshot(store)).toEqual(before);
  });

  it('lets exactly one claim attach a member to an anonymous sale', () => {
    store.createMember(member(1));
    store.recordSale(saleWithEntries(5, null));
    const entries = saleWithEntries(5, 'm-0').entries;
    const win = store.claimSale({ saleId: 's-5', memberId: 'm-0', at: iso(T0 + 60_000), entries });
    expect(win).toMatchObject({ status: 'claimed', sale: { memberId: 'm-0', claimedAt: iso(T0 + 60_000) } });
    expect(store.claimSale({ saleId: 's-5', memberId: 'm-0', at: iso(T0 + 61_000), entries }).status).toBe('duplicate');
    const late = store.claimSale({
      saleId: 's-5',
      memberId: 'm-1',
      at: iso(T0 + 62_000),
      entries: saleWithEntries(5, 'm-1', 1840, 'x').entries.map((e) => ({ ...e, saleId: 's-5' })),
    });
    expect(late).toMatchObject({ status: 'already-claimed', sale: { memberId: 'm-0' } });
    expect(store.balance('m-1').entries).toBe(0);
    expect(store.balance('m-0')).toMatchObject({ points: 18, stamps: 1 });
    expect(() => store.claimSale({ saleId: 'nope', memberId: 'm-0', at: iso(T0) })).toThrow(/there is no sale nope/);
  });
});

describe('refunds', () => {
  const reversal = (of: LedgerEntry, id: string, share = 1): LedgerEntry => ({
    ...of,
    id,
    kind: 'reversal',
    points: -Math.floor(of.points * share),
    stamps: -Math.floor(of.stamps * share),
    reverses: of.id,
    reason: { code: 'refund' },
    at: iso(T0 + 3_600_000),
  });

  beforeEach(() => {
    store.createMember(member(0));
    store.recordSale(saleWithEntries(1, 'm-0', 5000));
  });

  it('takes a partial refund, refuses more than is left, and a void takes the rest with the stamps off the same card', () => {
    const [e1, e2] = store.entriesForSale('s-1') as [LedgerEntry, LedgerEntry];
    const part = store.recordRefund({
      refund: { id: 'r-1', saleId: 's-1', kind: 'refund', amount: { amount: 2000, currency: 'PLN' }, createdAt: iso(T0 + 3_600_000) },
      entries: [reversal(e1, 'r-1-e1', 0.4)],
    });
    expect(part).toMatchObject({ status: 'recorded', sale: { status: 'partly-refunded', refunded: 2000 } });
    expect(store.balance('m-0').points).toBe(30);
    const before = snapshot(store);
    expect(() =>
      store.recordRefund({ refund: { id: 'r-2', saleId: 's-1', kind: 'refund', amount: { amount: 3001, currency: 'PLN' }, createdAt: iso(T0) } }),
    ).toThrow(/30.01 PLN is more than the 30.00 PLN left on sale s-1/);
    expect(() =>
      store.recordRefund({ refund: { id: 'r-2', saleId: 's-1', kind: 'refund', amount: { amount: 100, currency: 'EUR' }, createdAt: iso(T0) } }),
    ).toThrow(/sale was in PLN, the refund is in EUR/);
    expect(() =>
      store.recordRefund({ refund: { id: 'r-2', saleId: 's-404', kind: 'refund', amount: { amount: 100, currency: 'PLN' }, createdAt: iso(T0) } }),
    ).toThrow(/there is no sale s-404/);
    expect(() => store.recordRefund({ refund: { id: 'r-2', saleId: 's-1', kind: 'refund', createdAt: iso(T0) } })).toThrow(/a refund needs an amount/);
    expect(snapshot(store)).toEqual(before);
    // The reversal names no card; it still comes off the card of the entry it reverses.
    const voided = store.recordRefund({
      refund: { id: 'r-3', saleId: 's-1', kind: 'void', createdAt: iso(T0 + 3_700_000) },
      entries: [{ ...reversal(e1, 'r-3-e1'), points: -30 }, reversal(e2, 'r-3-e2')],
    });
    expect(voided).toMatchObject({ status: 'recorded', refund: { amount: { amount: 3000, currency: 'PLN' } }, sale: { status: 'voided', refunded: 5000 } });
    expect(store.balance('m-0')).toMatchObject({ points: 0, stamps: 0, stampsByCard: {} });
    expect(store.checkProjections()).toEqual([]);
    expect(store.recordRefund({ refund: { id: 'r-3', saleId: 's-1', kind: 'void', createdAt: iso(T0 + 3_700_000) } }).status).toBe('duplicate');
    expect(() =>
      store.recordRefund({ refund: { id: 'r-4', saleId: 's-1', kind: 'refund', amount: { amount: 1, currency: 'PLN' }, createdAt: iso(T0) } }),
    ).toThrow(/already voided/);
    expect(store.refundsForSale('s-1').map((r) => r.id)).toEqual(['r-1', 'r-3']);
  });
});

describe('redemption', () => {
  it('debits atomically and refuses an insufficient balance with nothing written', () => {
    store.createMember(member(0));
    store.recordSale(saleWithEntries(1, 'm-0', 5000)); // 50 points, 1 coffee stamp
    const redeem = (id: string, points: number, stamps = 0): LedgerEntry => ({
      ...earn(id, 'm-0', null, points, stamps, T0 + 5000, 'coffee-card'),
      kind: 'redeem',
    });
    const before = snapshot(store);
    expect(store.redeem({ entries: [redeem('rd-1', -60)] })).toMatchObject({ status: 'insufficient', missing: { points: 10 } });
    expect(store.redeem({ entries: [redeem('rd-1', 0, -2)] })).toMatchObject({ status: 'insufficient', missing: { stamps: { 'coffee-card': 1 } } });
    expect(snapshot(store)).toEqual(before);
    const ok = store.redeem({
      entries: [redeem('rd-2', -40, -1)],
      outbox: [{ id: 'rd-2-o', topic: 'redeemed', payload: { entryId: 'rd-2' }, memberId: 'm-0', createdAt: iso(T0) }],
    });
    expect(ok).toMatchObject({ status: 'redeemed', balance: { points: 10, stamps: 0 } });
    expect(store.redeem({ entries: [redeem('rd-2', -40, -1)] })).toMatchObject({ status: 'duplicate', balance: { points: 10 } });
    expect(store.balance('m-0').points).toBe(10);
  });
});

describe('members', () => {
  it('enrols, finds by code, searches by phone, e-mail and name regardless of accents, and updates', () => {
    store.createMember(member(1, { name: 'Łucja Nagy-Szabó', email: 'Lucja@Example.com' }));
    store.createMember(member(2, { name: 'Anna Kowalska' }));
    expect(store.createMember(member(2)).status).toBe('duplicate');
    expect(store.findMemberByCode('MBR000001')?.name).toBe('Łucja Nagy-Szabó');
    expect(store.searchMembers('szabo').map((m) => m.id)).toEqual(['m-1']);
    expect(store.searchMembers('LUCJA').map((m) => m.id)).toEqual(['m-1']);
    expect(store.searchMembers('lucja@example').map((m) => m.id)).toEqual(['m-1']);
    expect(store.searchMembers('+48 60 1000002').map((m) => m.id)).toEqual(['m-2']);
    expect(store.searchMembers('100%')).toEqual([]);
    const updated = store.updateMember('m-2', { email: 'Anna@Example.com', locale: 'de' });
    expect(updated).toMatchObject({ email: 'anna@example.com', locale: 'de', name: 'Anna Kowalska', phone: '+48601000002' });
  });

  it('refuses a member without contact or consent, a clashing phone, and writes nothing', () => {
    store.createMember(member(1));
    const before = snapshot(store);
    expect(() => store.createMember(member(2, { phone: null, email: null }))).toThrow(/needs a phone number or an e-mail address/);
    expect(() => store.createMember({ ...member(3), consentAt: undefined } as never)).toThrow(/consentAt/);
    expect(() => store.createMember(member(4, { phone: '601 000 001' }))).toThrow(/international form/);
    expect(() => store.createMember(member(5, { phone: member(1).phone! }))).toThrow(/phone \+48601000001 already exists \(code MBR000001\)/);
    expect(() => store.updateMember('m-1', { phone: null })).toThrow(/needs a phone number/);
    expect(snapshot(store)).toEqual(before);
  });
});

describe('outbox and settings', () => {
  it('returns pending messages in write order and forgets them once acked', () => {
    store.createMember(member(0));
    for (let n = 1; n <= 3; n++) store.recordSale(saleWithEntries(n, n === 2 ? null : 'm-0'));
    store.enqueue([{ id: 'x-1', topic: 'memberCreated', payload: { id: 'm-0' }, memberId: 'm-0', createdAt: iso(T0) }]);
    expect(store.pendingOutbox().map((m) => m.id)).toEqual(['s-1-o', 's-2-o', 's-3-o', 'x-1']);
    expect(store.pendingOutbox(2).map((m) => m.payload)).toEqual([
      { saleId: 's-1', amount: 1840 },
      { saleId: 's-2', amount: 1840 },
    ]);
    store.noteOutboxAttempt(['s-1-o']);
    expect(store.pendingOutbox(1)[0]?.attempts).toBe(1);
    expect(store.ackOutbox(['s-1-o', 's-3-o'])).toBe(2);
    expect(store.ackOutbox(['s-1-o'])).toBe(0);
    expect(store.pendingOutbox().map((m) => m.id)).toEqual(['s-2-o', 'x-1']);
    expect(() => store.enqueue([{ id: 'bad', topic: '', payload: 1, createdAt: iso(T0) }])).toThrow(/topic/);
    expect(store.counts()).toMatchObject({ outboxPending: 2, outboxAcked: 2 });
  });

  it('keeps settings as JSON', () => {
    expect(store.getSetting('kiosk.locale')).toBeUndefined();
    store.setSetting('kiosk.locale', 'hu');
    store.setSetting('kiosk.locale', { primary: 'hu' });
    expect(store.getSetting('kiosk.locale')).toEqual({ primary: 'hu' });
  });
});

describe('several calls as one transaction', () => {
  it('keeps all of them or none', () => {
    const before = snapshot(store);
    expect(() =>
      store.atomically(() => {
        store.createMember(member(0));
        store.recordSale(saleWithEntries(1, 'm-0'));
        store.recordSale({ ...saleWithEntries(2, 'm-0'), sale: { ...saleWithEntries(2, 'm-0').sale, total: { amount: 1.5, currency: 'PLN' } } });
      }),
    ).toThrow(StoreInputError);
    expect(snapshot(store)).toEqual(before);
    expect(store.getMember('m-0')).toBeUndefined();
    const result = store.atomically(() => {
      store.createMember(member(0));
      return store.recordSale(saleWithEntries(1, 'm-0'));
    });
    expect(result.status).toBe('recorded');
    expect(store.balance('m-0').points).toBe(18);
  });
});

describe('the ledger file itself', () => {
  it('refuses an UPDATE or DELETE of a ledger row even from outside the store', () => {
    store.createMember(member(0));
    store.recordSale(saleWithEntries(1, 'm-0'));
    store.close();
    const raw = new Database(join(dir, DB_FILE));
    expect(() => raw.prepare('UPDATE ledger SET points = 1000').run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM ledger').run()).toThrow(/append-only/);
    raw.close();
    store = openStore({ now: systemClock, dir });
    expect(store.balance('m-0').points).toBe(18);
  });
});
