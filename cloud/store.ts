import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { claimDue, claimEntry, refusedClaimReversal } from '../core/claims';
import type { LedgerEntry, Reason } from '../core/ledger/entry';
import { LoyaltyError } from '../core/ledger/errors';
import { reverseSale, type RefundRequest } from '../core/ledger/reverse';
import { DEMO_PROGRAM_DOCUMENT } from '../core/program/demo';
import { loadProgram, parseProgram, serializeProgram, type Program } from '../core/program/schema';
import type { ProgramVersion } from '../core/program/versions';
import type { ClaimAccepted, ClaimRefused, OutboxMessage } from '../core/sync-protocol';
import { bytesToHex, lateClaimReversalIds } from '../core/sync-protocol';
import { claimSaleKey } from '../core/tokens';
import type { MemberFact, SaleFact } from '../core/metrics';
import { memberView, type MemberView } from './member-view';

/**
 * The hub's embedded store: one SQLite file, WAL, synchronous=FULL, every write one transaction.
 * Ledger ids are chosen by their writer (kiosk or hub): INSERT OR IGNORE makes replays no-ops, and
 * the balances projection is updated in the same transaction only when a row was really inserted.
 */

const MIGRATIONS: string[] = [
  `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE shops (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
     privacy_text TEXT NOT NULL, program_json TEXT NOT NULL);
   CREATE TABLE kiosks (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, shop_no INTEGER NOT NULL REFERENCES shops(no),
     name TEXT NOT NULL, secret TEXT NOT NULL, paired_at TEXT NOT NULL, revoked_at TEXT);
   CREATE TABLE pairing_codes (code TEXT PRIMARY KEY, shop_no INTEGER NOT NULL REFERENCES shops(no),
     created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_by TEXT);
   CREATE TABLE members (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, shop_no INTEGER NOT NULL REFERENCES shops(no),
     name TEXT, phone TEXT, email TEXT, consent_at TEXT, consent_text TEXT, created_at TEXT NOT NULL);
   CREATE UNIQUE INDEX members_phone ON members(shop_no, phone) WHERE phone IS NOT NULL;
   CREATE UNIQUE INDEX members_email ON members(shop_no, email) WHERE email IS NOT NULL;
   CREATE TABLE ledger (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, kind TEXT NOT NULL, points INTEGER NOT NULL,
     stamps INTEGER NOT NULL, sale_id TEXT, reverses TEXT, reason_json TEXT NOT NULL, at TEXT NOT NULL, kiosk_no INTEGER);
   CREATE INDEX ledger_member ON ledger(member_id, at);
   CREATE TABLE balances (member_id TEXT PRIMARY KEY, points INTEGER NOT NULL, stamps INTEGER NOT NULL,
     earned INTEGER NOT NULL, entries INTEGER NOT NULL);
   CREATE TABLE claims (sale_key TEXT PRIMARY KEY, kiosk_no INTEGER NOT NULL, sale_no INTEGER NOT NULL,
     member_id TEXT NOT NULL, via TEXT NOT NULL, points INTEGER NOT NULL, stamps INTEGER NOT NULL, at TEXT NOT NULL);
   CREATE TABLE sales (id TEXT PRIMARY KEY, kiosk_no INTEGER NOT NULL, sale_no INTEGER NOT NULL, amount INTEGER NOT NULL,
     currency TEXT NOT NULL, points INTEGER NOT NULL, member_id TEXT, at TEXT NOT NULL);
   CREATE TABLE processed_messages (id TEXT PRIMARY KEY, kiosk_no INTEGER NOT NULL, at TEXT NOT NULL);
   CREATE TABLE deliveries (id TEXT PRIMARY KEY, kiosk_no INTEGER NOT NULL, payload_json TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE INDEX deliveries_kiosk ON deliveries(kiosk_no, created_at);
   CREATE TABLE vouchers (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, reward_no INTEGER NOT NULL, created_at TEXT NOT NULL);`,
  // 2: the shop's program is a core/program document; ledger rows keep their spend (tiers); reversed sales.
  `ALTER TABLE ledger ADD COLUMN spend INTEGER;
   CREATE TABLE sale_reversals (sale_key TEXT PRIMARY KEY, kiosk_no INTEGER NOT NULL, total INTEGER NOT NULL,
     refunded INTEGER NOT NULL, full INTEGER NOT NULL, at TEXT NOT NULL);
   UPDATE shops SET program_json = '${serializeProgram(loadProgram(JSON.stringify(DEMO_PROGRAM_DOCUMENT))).replaceAll("'", "''")}'
     WHERE json_extract(program_json, '$.version') IS NULL;`,
  // 3: deliveries carry their event (claimAccepted, claimRefused).
  `ALTER TABLE deliveries ADD COLUMN event TEXT NOT NULL DEFAULT 'claimAccepted';`,
  // 4: the shop's program versions (the owner's editor publishes; kiosks receive them over sync).
  `CREATE TABLE program_versions (shop_no INTEGER NOT NULL REFERENCES shops(no), version INTEGER NOT NULL,
     effective_from TEXT NOT NULL, document_json TEXT NOT NULL, published_at TEXT NOT NULL, PRIMARY KEY (shop_no, version));`,
];

/** Before its first publication a shop's program is version 1, in effect since always. */
export const FIRST_VERSION_START = '1970-01-01T00:00:00.000Z';
export interface StoredProgramVersion extends ProgramVersion { publishedAt: string }

export interface Shop { no: number; id: string; name: string; privacyText: string; program: Program }
export interface Kiosk { no: number; id: string; shopNo: number; name: string; secret: string; revokedAt: string | null }
export interface Member {
  no: number; id: string; shopNo: number; name: string | null; phone: string | null; email: string | null;
}
export interface HistoryRow { id: string; kind: string; points: number; stamps: number; at: string; label: string | null }

/** A hub → kiosk event waiting in the kiosk's queue until the kiosk acks it. */
export type Delivery = { event: 'claimAccepted'; payload: ClaimAccepted } | { event: 'claimRefused'; payload: ClaimRefused };

export type ClaimOutcome = { ok: true; accepted: ClaimAccepted; kioskNo: number } | { ok: false; reason: 'already-claimed' | 'sale-refunded' };

/** A sale reversed at its kiosk before anyone claimed it (saleReversed). */
export interface SaleReversal { total: number; refunded: number; full: boolean }

/** Days a reward voucher stays valid. */
export const VOUCHER_DAYS = 30;

/** Parses a program document for a shop, throwing with every field error (a bad document changes nothing). */
function programJson(document: unknown): string {
  const parsed = parseProgram(document);
  if (!parsed.ok) throw new Error(`program refused:\n${parsed.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return serializeProgram(parsed.program);
}

const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export class HubStore {
  readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'hub.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let i = version; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i]!);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
  }

  private readonly statements = new Map<string, Database.Statement>();
  /** Prepared once per SQL text: preparing costs more than running. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  close(): void {
    this.db.close();
  }

  /** A setting, created with `make()` the first time it is asked for. */
  setting(key: string, make: () => string): string {
    const row = this.sql('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    if (row) return row.value;
    const value = make();
    this.sql('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(key, value);
    return (this.sql('SELECT value FROM settings WHERE key = ?').get(key) as { value: string }).value;
  }

  // ---- shops and kiosks ----------------------------------------------------------------------

  ensureShop(name: string, privacyText: string, program: unknown = DEMO_PROGRAM_DOCUMENT): Shop {
    const existing = this.sql('SELECT no FROM shops ORDER BY no LIMIT 1').get() as { no: number } | undefined;
    if (existing) return this.shop(existing.no)!;
    return this.createShop(name, privacyText, program);
  }

  createShop(name: string, privacyText: string, program: unknown = DEMO_PROGRAM_DOCUMENT): Shop {
    const info = this.sql('INSERT INTO shops (id, name, privacy_text, program_json) VALUES (?, ?, ?, ?)')
      .run(randomUUID(), name, privacyText, programJson(program));
    return this.shop(Number(info.lastInsertRowid))!;
  }

  /** Replaces a shop's program with a validated core/program document. */
  setProgram(shopNo: number, document: unknown): void {
    this.sql('UPDATE shops SET program_json = ? WHERE no = ?').run(programJson(document), shopNo);
    this.programs.delete(shopNo);
  }

  private readonly programs = new Map<number, { json: string; program: Program }>();

  /**
   * The shop's program versions, oldest first. A shop that never published has one: its program,
   * as version 1 in effect since always (stored as such by its first publication).
   */
  programVersions(shopNo: number): StoredProgramVersion[] {
    const rows = this.sql('SELECT version, effective_from, document_json, published_at FROM program_versions WHERE shop_no = ? ORDER BY version')
      .all(shopNo) as { version: number; effective_from: string; document_json: string; published_at: string }[];
    if (rows.length === 0) {
      const shop = this.shop(shopNo);
      return shop ? [{ version: 1, effectiveFrom: FIRST_VERSION_START, document: shop.program, publishedAt: FIRST_VERSION_START }] : [];
    }
    return rows.map((r) => {
      // A stored version never changes: parse its document once.
      const key = `${shopNo}:${r.version}`;
      let document = this.versionDocuments.get(key);
      if (!document) {
        document = loadProgram(r.document_json);
        this.versionDocuments.set(key, document);
      }
      return { version: r.version, effectiveFrom: r.effective_from, document, publishedAt: r.published_at };
    });
  }

  private readonly versionDocuments = new Map<string, Program>();

  /** Publishes a validated program document as the shop's next version, in effect from `effectiveFrom`. */
  publishProgram(shopNo: number, document: unknown, effectiveFrom: string, at: Date): StoredProgramVersion {
    const json = programJson(document);
    return this.db.transaction(() => {
      const insert = this.sql('INSERT INTO program_versions (shop_no, version, effective_from, document_json, published_at) VALUES (?, ?, ?, ?, ?)');
      const current = this.programVersions(shopNo);
      if (!this.sql('SELECT 1 FROM program_versions WHERE shop_no = ? LIMIT 1').get(shopNo)) {
        for (const v of current) insert.run(shopNo, v.version, v.effectiveFrom, serializeProgram(v.document), v.publishedAt);
      }
      const version = Math.max(0, ...current.map((v) => v.version)) + 1;
      insert.run(shopNo, version, effectiveFrom, json, at.toISOString());
      return { version, effectiveFrom, document: loadProgram(json), publishedAt: at.toISOString() };
    }).immediate();
  }

  shop(no: number): Shop | undefined {
    const row = this.sql('SELECT * FROM shops WHERE no = ?').get(no) as
      { no: number; id: string; name: string; privacy_text: string; program_json: string } | undefined;
    if (!row) return undefined;
    let cached = this.programs.get(row.no);
    if (cached?.json !== row.program_json) {
      cached = { json: row.program_json, program: loadProgram(row.program_json) };
      this.programs.set(row.no, cached);
    }
    return { no: row.no, id: row.id, name: row.name, privacyText: row.privacy_text, program: cached.program };
  }

  createPairingCode(shopNo: number, now: Date, ttlMs = 24 * 3600_000): { code: string; expiresAt: string } {
    const bytes = randomBytes(8);
    const code = Array.from(bytes, (b) => PAIRING_ALPHABET[b % PAIRING_ALPHABET.length]).join('');
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    this.sql('INSERT INTO pairing_codes (code, shop_no, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(code, shopNo, now.toISOString(), expiresAt);
    return { code, expiresAt };
  }

  /** Uses a pairing code once: a new kiosk with a fresh secret, or undefined for an unknown, used or expired code. */
  pairKiosk(code: string, name: string, now: Date): Kiosk | undefined {
    return this.db.transaction(() => {
      const row = this.sql('SELECT shop_no, expires_at, used_by FROM pairing_codes WHERE code = ?').get(code) as
        { shop_no: number; expires_at: string; used_by: string | null } | undefined;
      if (!row || row.used_by !== null || row.expires_at <= now.toISOString()) return undefined;
      const id = randomUUID();
      this.sql('INSERT INTO kiosks (id, shop_no, name, secret, paired_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, row.shop_no, name, bytesToHex(randomBytes(32)), now.toISOString());
      this.sql('UPDATE pairing_codes SET used_by = ? WHERE code = ?').run(id, code);
      return this.kiosk(id);
    })();
  }

  kiosk(id: string): Kiosk | undefined {
    const row = this.sql('SELECT no, id, shop_no, name, secret, revoked_at FROM kiosks WHERE id = ?').get(id) as
      { no: number; id: string; shop_no: number; name: string; secret: string; revoked_at: string | null } | undefined;
    return row && { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, secret: row.secret, revokedAt: row.revoked_at };
  }

  kioskByNo(no: number): Kiosk | undefined {
    const row = this.sql('SELECT id FROM kiosks WHERE no = ?').get(no) as { id: string } | undefined;
    return row && this.kiosk(row.id);
  }

  revokeKiosk(id: string, now: Date): boolean {
    return this.sql('UPDATE kiosks SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now.toISOString(), id).changes === 1;
  }

  // ---- members -------------------------------------------------------------------------------

  member(id: string): Member | undefined {
    const row = this.sql('SELECT no, id, shop_no, name, phone, email FROM members WHERE id = ?').get(id) as
      { no: number; id: string; shop_no: number; name: string | null; phone: string | null; email: string | null } | undefined;
    return row && { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, phone: row.phone, email: row.email };
  }

  memberByContact(shopNo: number, contact: { phone: string | null; email: string | null }): Member | undefined {
    const row = (contact.phone
      ? this.sql('SELECT id FROM members WHERE shop_no = ? AND phone = ?').get(shopNo, contact.phone)
      : this.sql('SELECT id FROM members WHERE shop_no = ? AND email = ?').get(shopNo, contact.email)) as { id: string } | undefined;
    return row && this.member(row.id);
  }

  /** Joins a member (or finds the one with this phone/e-mail in this shop); `created` is false when found. */
  joinMember(shopNo: number, input: { id?: string; name: string | null; phone: string | null; email: string | null;
    consentAt: string | null; consentText: string | null }, now: Date): Member & { created: boolean } {
    return this.db.transaction(() => {
      if (input.id && this.member(input.id)) return { ...this.member(input.id)!, created: false };
      const found = (input.phone || input.email) ? this.memberByContact(shopNo, input) : undefined;
      if (found) {
        if (input.name && !found.name) this.sql('UPDATE members SET name = ? WHERE id = ?').run(input.name, found.id);
        return { ...this.member(found.id)!, created: false };
      }
      const id = input.id ?? randomUUID();
      this.sql(`INSERT INTO members (id, shop_no, name, phone, email, consent_at, consent_text, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(id, shopNo, input.name, input.phone, input.email, input.consentAt, input.consentText, now.toISOString());
      return { ...this.member(id)!, created: true };
    })();
  }

  /** The balances projection kept with every insert (fast counts for tests and the owner). */
  balance(memberId: string): BalanceView {
    const row = this.sql('SELECT points, stamps, earned FROM balances WHERE member_id = ?').get(memberId) as BalanceView | undefined;
    return row ?? { points: 0, stamps: 0, earned: 0 };
  }

  /** Every ledger entry of a member, oldest first. */
  entries(memberId: string): LedgerEntry[] {
    return (this.sql('SELECT * FROM ledger WHERE member_id = ? ORDER BY at, rowid').all(memberId) as LedgerRow[]).map(toEntry);
  }

  /** The member card: balance, stamps, tier, progress and rewards from the core projections. */
  memberView(member: Member, at: Date): MemberView {
    return memberView(this.shop(member.shopNo)!.program, member.id, this.entries(member.id), at);
  }

  saleReversal(saleKey: string): SaleReversal | undefined {
    const row = this.sql('SELECT total, refunded, full FROM sale_reversals WHERE sale_key = ?').get(saleKey) as
      { total: number; refunded: number; full: number } | undefined;
    return row && { total: row.total, refunded: row.refunded, full: row.full === 1 };
  }

  /**
   * What a sale's QR still pays: nothing after a full refund or void (undefined), the token's points
   * and stamps less the refunded share (floor, the rule of core/ledger/reverse) after a partial one.
   */
  claimable(saleKey: string, points: number, stamps: number): { points: number; stamps: number } | undefined {
    return claimDue(points, stamps, this.saleReversal(saleKey));
  }

  history(memberId: string, limit = 20): HistoryRow[] {
    return (this.sql('SELECT id, kind, points, stamps, at, reason_json FROM ledger WHERE member_id = ? ORDER BY at DESC, rowid DESC LIMIT ?')
      .all(memberId, limit) as { id: string; kind: string; points: number; stamps: number; at: string; reason_json: string }[])
      .map((r) => ({ id: r.id, kind: r.kind, points: r.points, stamps: r.stamps, at: r.at,
        label: (JSON.parse(r.reason_json) as { label?: string }).label ?? null }));
  }

  recordVoucher(id: string, memberId: string, rewardNo: number, now: Date): void {
    this.sql('INSERT INTO vouchers (id, member_id, reward_no, created_at) VALUES (?, ?, ?, ?)').run(id, memberId, rewardNo, now.toISOString());
  }

  // ---- ledger --------------------------------------------------------------------------------

  private readonly insertEntry = (entry: LedgerEntry, kioskNo: number | null): boolean => {
    const inserted = this.sql(`INSERT OR IGNORE INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no, spend)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(entry.id, entry.memberId, entry.kind, entry.points, entry.stamps, entry.saleId,
      entry.reverses, JSON.stringify(entry.reason), entry.at, kioskNo, entry.spend ?? null).changes === 1;
    if (inserted) {
      this.sql(`INSERT INTO balances (member_id, points, stamps, earned, entries) VALUES (?, ?, ?, ?, 1)
        ON CONFLICT(member_id) DO UPDATE SET points = points + excluded.points, stamps = stamps + excluded.stamps,
          earned = earned + excluded.earned, entries = entries + 1`)
        .run(entry.memberId, entry.points, entry.stamps, entry.kind === 'earn' || entry.kind === 'bonus' ? Math.max(0, entry.points) : 0);
    }
    return inserted;
  };

  ledgerCount(filter: { kioskNo?: number } = {}): number {
    const row = (filter.kioskNo === undefined
      ? this.sql('SELECT count(*) AS n FROM ledger').get()
      : this.sql('SELECT count(*) AS n FROM ledger WHERE kiosk_no = ?').get(filter.kioskNo)) as { n: number };
    return row.n;
  }

  /**
   * Applies one syncOutbox batch in one transaction, in order. A message id seen before is a no-op
   * (it is acked again); every ledger entry is INSERT OR IGNORE by its id.
   */
  applyOutbox(kiosk: Kiosk, messages: OutboxMessage[], now: Date): string[] {
    return this.db.transaction(() => {
      const seen = this.sql('SELECT 1 FROM processed_messages WHERE id = ?');
      const mark = this.sql('INSERT INTO processed_messages (id, kiosk_no, at) VALUES (?, ?, ?)');
      for (const message of messages) {
        if (seen.get(message.id)) continue;
        switch (message.type) {
          case 'memberEnrolled':
            this.joinMember(kiosk.shopNo, { id: message.payload.id, name: message.payload.name, phone: message.payload.phone,
              email: message.payload.email, consentAt: message.payload.consentAt, consentText: null }, now);
            break;
          case 'saleCreated': {
            const p = message.payload;
            this.sql(`INSERT OR IGNORE INTO sales (id, kiosk_no, sale_no, amount, currency, points, member_id, at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(p.saleId, kiosk.no, p.saleNo, p.total.amount, p.total.currency, p.points, p.memberId, message.at);
            if (p.memberId) {
              // The member was attached at the till: the sale is taken, its receipt QR can no longer be claimed.
              this.sql(`INSERT OR IGNORE INTO claims (sale_key, kiosk_no, sale_no, member_id, via, points, stamps, at)
                VALUES (?, ?, ?, ?, 'till', ?, ?, ?)`).run(`K${kiosk.no}-S${p.saleNo}`, kiosk.no, p.saleNo, p.memberId, p.points, p.stamps, message.at);
            }
            for (const entry of p.entries) this.insertEntry(entry, kiosk.no);
            break;
          }
          case 'ledgerAppended':
            for (const entry of message.payload.entries) this.insertEntry(entry, kiosk.no);
            break;
          case 'saleReversed': {
            // A kiosk reverses only its own sales: the key comes from the kiosk's number, not the payload.
            const p = message.payload;
            const saleKey = claimSaleKey({ kioskNo: kiosk.no, saleNo: p.saleNo });
            const before = this.saleReversal(saleKey)?.refunded ?? 0;
            this.sql(`INSERT INTO sale_reversals (sale_key, kiosk_no, total, refunded, full, at) VALUES (?, ?, ?, ?, ?, ?)
              ON CONFLICT(sale_key) DO UPDATE SET refunded = max(refunded, excluded.refunded), full = max(full, excluded.full), at = excluded.at`)
              .run(saleKey, kiosk.no, p.total.amount, p.refunded.amount, p.full ? 1 : 0, message.at);
            // The hub accepted a claim of this sale the kiosk had not heard of when it reversed it: take back here.
            const claimed = this.sql("SELECT member_id FROM claims WHERE sale_key = ? AND via NOT IN ('till', 'offline')").get(saleKey) as { member_id: string } | undefined;
            if (claimed && p.refunded.amount > before) {
              this.reverseHubClaim(saleKey, claimed.member_id, p.full ? 'full' : { amount: p.refunded.amount - before, currency: p.total.currency },
                p.refunded.amount, kiosk.no, now);
            }
            break;
          }
          case 'saleClaimed':
            this.applyOfflineClaim(kiosk, message.payload, message.at, now);
            break;
        }
        mark.run(message.id, kiosk.no, now.toISOString());
      }
      return messages.map((m) => m.id);
    }).immediate();
  }

  /**
   * A staff claim the kiosk made while the hub was down. The first claim of a sale wins: if nobody
   * has claimed it, it is this member's (claims row + the kiosk's entry, same id on both sides); if a
   * phone (or anyone) came first, the kiosk's entry is written and taken back at once
   * (`refusedClaimReversal`), and the kiosk is sent `claimRefused` with every row of the sale.
   */
  private applyOfflineClaim(kiosk: Kiosk, p: Extract<OutboxMessage, { type: 'saleClaimed' }>['payload'], at: string, now: Date): void {
    // A kiosk claims only its own sales: the key comes from the kiosk's number, not the payload.
    const saleKey = claimSaleKey({ kioskNo: kiosk.no, saleNo: p.saleNo });
    if (p.saleId !== saleKey) throw new Error(`saleClaimed for ${p.saleId} is not sale ${p.saleNo} of kiosk ${kiosk.no}`);
    const points = p.entries.reduce((n, e) => n + e.points, 0);
    const stamps = p.entries.reduce((n, e) => n + e.stamps, 0);
    const taken = this.sql(`INSERT INTO claims (sale_key, kiosk_no, sale_no, member_id, via, points, stamps, at)
      VALUES (?, ?, ?, ?, 'offline', ?, ?, ?) ON CONFLICT(sale_key) DO NOTHING`)
      .run(saleKey, kiosk.no, p.saleNo, p.memberId, points, stamps, at).changes;
    const first = this.sql('SELECT member_id, via FROM claims WHERE sale_key = ?').get(saleKey) as { member_id: string; via: string };
    // This very claim already stands (the same saleClaimed sent again under another id): nothing to do.
    if (taken === 0 && first.via === 'offline' && first.member_id === p.memberId) return;
    for (const entry of p.entries) this.insertEntry(entry, kiosk.no);
    if (taken === 1) return;
    const refusedAt = now.toISOString();
    for (const entry of p.entries) if (entry.kind !== 'reversal') this.insertEntry(refusedClaimReversal(entry, refusedAt), kiosk.no);
    const winnerId = first.member_id;
    const winner = this.member(winnerId);
    const refused: ClaimRefused = {
      deliveryId: randomUUID(), saleKey, saleNo: p.saleNo, refusedMemberId: p.memberId,
      winner: { id: winnerId, no: winner?.no ?? 0, name: winner?.name ?? null },
      entries: (this.sql('SELECT * FROM ledger WHERE sale_id = ? ORDER BY rowid').all(saleKey) as LedgerRow[]).map(toEntry),
      at: refusedAt,
    };
    this.sql("INSERT INTO deliveries (id, kiosk_no, payload_json, created_at, event) VALUES (?, ?, ?, ?, 'claimRefused')")
      .run(refused.deliveryId, kiosk.no, JSON.stringify(refused), refusedAt);
  }

  /** Reverses a hub-accepted claim by the core refund rules (pro rata, floor; bonuses on a full refund; never below zero). */
  private reverseHubClaim(saleKey: string, memberId: string, refund: RefundRequest, refundedAfter: number,
    kioskNo: number, now: Date): void {
    const member = this.member(memberId);
    if (!member) return;
    const memberEntries = this.entries(memberId);
    try {
      const result = reverseSale({
        program: this.shop(member.shopNo)!.program, saleId: saleKey, saleEntries: memberEntries.filter((e) => e.saleId === saleKey),
        memberEntries, refund, at: now, ids: lateClaimReversalIds(saleKey, refundedAfter),
      });
      for (const entry of result.entries) this.insertEntry(entry, kioskNo);
    } catch (error) {
      // Nothing left to take back (already reversed) or a claim without its sale's amount: leave it.
      if (!(error instanceof LoyaltyError)) throw error;
    }
  }

  /**
   * Claims a sale for a member: the claims row (sale key UNIQUE), the earn entry, the balance and the
   * delivery to the sale's kiosk in one transaction. The second claim of a sale gets 'already-claimed'.
   */
  claim(input: { saleKey: string; kioskNo: number; saleNo: number; member: Member; via: 'phone' | 'staff'; points: number;
    stamps: number; spend: number | null; deliverTo: number | null; now: Date; welcome?: boolean }): ClaimOutcome {
    return this.db.transaction((): ClaimOutcome => {
      const at = input.now.toISOString();
      const program = this.shop(input.member.shopNo)!.program;
      // Read inside the transaction: a saleReversed applied a moment earlier is seen.
      const due = this.claimable(input.saleKey, input.points, input.stamps);
      if (!due) return { ok: false, reason: 'sale-refunded' };
      const taken = this.sql(`INSERT INTO claims (sale_key, kiosk_no, sale_no, member_id, via, points, stamps, at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sale_key) DO NOTHING`)
        .run(input.saleKey, input.kioskNo, input.saleNo, input.member.id, input.via, due.points, due.stamps, at).changes;
      if (taken === 0) return { ok: false, reason: 'already-claimed' };
      // The sale's base entry, built by core/claims as a kiosk's offline claim builds it.
      const entry = claimEntry({ program, saleKey: input.saleKey, memberId: input.member.id, via: input.via,
        points: due.points, stamps: due.stamps, spend: input.spend, at });
      const entries = [entry];
      const welcomeRule = input.welcome ? program.rules.find((rule) => rule.type === 'welcome') : undefined;
      if (welcomeRule && welcomeRule.points > 0) {
        entries.push({ id: `welcome:${input.member.id}`, memberId: input.member.id, kind: 'bonus', points: welcomeRule.points, stamps: 0,
          saleId: input.saleKey, reverses: null, reason: { code: 'welcome', ruleId: welcomeRule.id, label: welcomeRule.label ?? 'welcome' }, at });
      }
      const written = entries.filter((e) => this.insertEntry(e, input.kioskNo));
      const view = memberView(program, input.member.id, this.entries(input.member.id), input.now);
      const accepted: ClaimAccepted = {
        deliveryId: randomUUID(), saleKey: input.saleKey, saleNo: input.saleNo, via: input.via,
        member: { id: input.member.id, no: input.member.no, name: input.member.name },
        points: due.points, stamps: due.stamps,
        balance: { points: view.points, stamps: view.stamps },
        progress: view.progress, entries: written, at,
      };
      if (input.deliverTo !== null) {
        this.sql('INSERT INTO deliveries (id, kiosk_no, payload_json, created_at) VALUES (?, ?, ?, ?)')
          .run(accepted.deliveryId, input.deliverTo, JSON.stringify(accepted), at);
      }
      return { ok: true, accepted, kioskNo: input.kioskNo };
    }).immediate();
  }

  // ---- owner's view ---------------------------------------------------------------------------

  /**
   * The dashboard's inputs for one shop (core/metrics): sales, ledger entries, members, kiosks as locations.
   * A sale is a kiosk's saleCreated row (its member from the till or from a later claim), or, for a
   * sale the hub knows only from a claim, the claim with the base entry's spend as total and the
   * claim's time as the sale's time. A sale counts net of its refunds; a void or full refund drops it.
   */
  ownerFacts(shopNo: number): { sales: SaleFact[]; entries: LedgerEntry[]; members: MemberFact[]; kiosks: { no: number; name: string }[] } {
    // Refunds: the kiosk's saleReversed (unclaimed sales) and the negative spend of reversal entries
    // (claimed sales) describe the same money when both exist, so the larger of the two is taken.
    const sales = (this.sql(`WITH rev AS (SELECT sale_id, -sum(spend) AS refunded FROM ledger
          WHERE kind = 'reversal' AND spend IS NOT NULL AND sale_id IS NOT NULL GROUP BY sale_id),
        x AS (
          SELECT s.id, s.kiosk_no, s.amount AS gross, s.at, COALESCE(s.member_id, c.member_id) AS member_id
            FROM sales s JOIN kiosks k ON k.no = s.kiosk_no LEFT JOIN claims c ON c.sale_key = s.id WHERE k.shop_no = ?
          UNION ALL
          SELECT c.sale_key, c.kiosk_no, l.spend, c.at, c.member_id FROM claims c JOIN kiosks k ON k.no = c.kiosk_no
            JOIN ledger l ON l.id IN ('claim:' || c.sale_key, 'claim:' || c.sale_key || ':offline')
            WHERE k.shop_no = ? AND l.spend IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sales WHERE id = c.sale_key)),
        y AS (SELECT x.id, x.kiosk_no, x.gross - max(COALESCE(r.refunded, 0), COALESCE(rev.refunded, 0)) AS total, x.at, x.member_id
          FROM x LEFT JOIN sale_reversals r ON r.sale_key = x.id LEFT JOIN rev ON rev.sale_id = x.id)
      SELECT id, kiosk_no, total, at, member_id FROM y WHERE total > 0`)
      .all(shopNo, shopNo) as { id: string; kiosk_no: number; total: number; at: string; member_id: string | null }[])
      .map((r): SaleFact => ({ id: r.id, total: r.total, at: r.at, memberId: r.member_id, location: String(r.kiosk_no) }));
    const entries = (this.sql('SELECT l.* FROM ledger l JOIN members m ON m.id = l.member_id WHERE m.shop_no = ? ORDER BY l.at, l.rowid')
      .all(shopNo) as LedgerRow[]).map(toEntry);
    const members = (this.sql('SELECT id, name, created_at FROM members WHERE shop_no = ? ORDER BY no').all(shopNo) as
      { id: string; name: string | null; created_at: string }[]).map((r) => ({ id: r.id, name: r.name, joinedAt: r.created_at }));
    const kiosks = this.sql('SELECT no, name FROM kiosks WHERE shop_no = ? ORDER BY no').all(shopNo) as { no: number; name: string }[];
    return { sales, entries, members, kiosks };
  }

  /** Members of a shop whose name, phone (spaces ignored) or e-mail contains `query` (ASCII case-insensitive), at most `limit`. */
  searchMembers(shopNo: number, query: string, limit = 100): (Member & { joinedAt: string; points: number })[] {
    const escape = (text: string): string => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const like = escape(query);
    // Phones are stored without spaces or dashes ("+48600100200"): "600 100" finds them.
    const phoneLike = escape(query.replace(/[\s-]/g, ''));
    return (this.sql(`SELECT m.no, m.id, m.shop_no, m.name, m.phone, m.email, m.created_at, COALESCE(b.points, 0) AS points
      FROM members m LEFT JOIN balances b ON b.member_id = m.id WHERE m.shop_no = ? AND (? = '' OR m.name LIKE ? ESCAPE '\\'
      OR m.phone LIKE ? ESCAPE '\\' OR m.email LIKE ? ESCAPE '\\') ORDER BY m.no LIMIT ?`)
      .all(shopNo, query, like, phoneLike, like, limit) as { no: number; id: string; shop_no: number; name: string | null; phone: string | null;
        email: string | null; created_at: string; points: number }[])
      .map((r) => ({ no: r.no, id: r.id, shopNo: r.shop_no, name: r.name, phone: r.phone, email: r.email, joinedAt: r.created_at, points: r.points }));
  }

  pendingDeliveries(kioskNo: number, limit = 100): Delivery[] {
    return (this.sql('SELECT event, payload_json FROM deliveries WHERE kiosk_no = ? ORDER BY created_at, rowid LIMIT ?')
      .all(kioskNo, limit) as { event: Delivery['event']; payload_json: string }[])
      .map((r) => ({ event: r.event, payload: JSON.parse(r.payload_json) as never }));
  }

  deliveryAcked(kioskNo: number, deliveryId: string): void {
    this.sql('DELETE FROM deliveries WHERE id = ? AND kiosk_no = ?').run(deliveryId, kioskNo);
  }
}

interface LedgerRow {
  id: string; member_id: string; kind: LedgerEntry['kind']; points: number; stamps: number; sale_id: string | null;
  reverses: string | null; reason_json: string; at: string; spend: number | null;
}

function toEntry(row: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = { id: row.id, memberId: row.member_id, kind: row.kind, points: row.points, stamps: row.stamps,
    saleId: row.sale_id, reverses: row.reverses, reason: JSON.parse(row.reason_json) as Reason, at: row.at };
  if (row.spend !== null) entry.spend = row.spend;
  return entry;
}

export interface BalanceView { points: number; stamps: number; earned: number }
