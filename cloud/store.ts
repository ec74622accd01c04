import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEntry } from '../core/ledger/entry';
import type { ClaimAccepted, OutboxMessage } from '../core/sync-protocol';
import { bytesToHex } from '../core/sync-protocol';
import { DEFAULT_PROGRAM, progressFor, type BalanceView, type HubProgram } from './program-view';

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
];

export interface Shop { no: number; id: string; name: string; privacyText: string; program: HubProgram }
export interface Kiosk { no: number; id: string; shopNo: number; name: string; secret: string; revokedAt: string | null }
export interface Member {
  no: number; id: string; shopNo: number; name: string | null; phone: string | null; email: string | null;
}
export interface HistoryRow { id: string; kind: string; points: number; stamps: number; at: string; label: string | null }

export type ClaimOutcome = { ok: true; accepted: ClaimAccepted; kioskNo: number } | { ok: false; reason: 'already-claimed' };

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

  ensureShop(name: string, privacyText: string, program: HubProgram = DEFAULT_PROGRAM): Shop {
    const existing = this.sql('SELECT no FROM shops ORDER BY no LIMIT 1').get() as { no: number } | undefined;
    if (existing) return this.shop(existing.no)!;
    return this.createShop(name, privacyText, program);
  }

  createShop(name: string, privacyText: string, program: HubProgram = DEFAULT_PROGRAM): Shop {
    const info = this.sql('INSERT INTO shops (id, name, privacy_text, program_json) VALUES (?, ?, ?, ?)')
      .run(randomUUID(), name, privacyText, JSON.stringify(program));
    return this.shop(Number(info.lastInsertRowid))!;
  }

  shop(no: number): Shop | undefined {
    const row = this.sql('SELECT * FROM shops WHERE no = ?').get(no) as
      { no: number; id: string; name: string; privacy_text: string; program_json: string } | undefined;
    return row && { no: row.no, id: row.id, name: row.name, privacyText: row.privacy_text, program: JSON.parse(row.program_json) as HubProgram };
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

  /** Joins a member (or finds the one with this phone/e-mail in this shop). */
  joinMember(shopNo: number, input: { id?: string; name: string | null; phone: string | null; email: string | null;
    consentAt: string | null; consentText: string | null }, now: Date): Member {
    return this.db.transaction(() => {
      if (input.id && this.member(input.id)) return this.member(input.id)!;
      const found = (input.phone || input.email) ? this.memberByContact(shopNo, input) : undefined;
      if (found) {
        if (input.name && !found.name) this.sql('UPDATE members SET name = ? WHERE id = ?').run(input.name, found.id);
        return this.member(found.id)!;
      }
      const id = input.id ?? randomUUID();
      this.sql(`INSERT INTO members (id, shop_no, name, phone, email, consent_at, consent_text, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(id, shopNo, input.name, input.phone, input.email, input.consentAt, input.consentText, now.toISOString());
      return this.member(id)!;
    })();
  }

  balance(memberId: string): BalanceView {
    const row = this.sql('SELECT points, stamps, earned FROM balances WHERE member_id = ?').get(memberId) as BalanceView | undefined;
    return row ?? { points: 0, stamps: 0, earned: 0 };
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
    const inserted = this.sql(`INSERT OR IGNORE INTO ledger (id, member_id, kind, points, stamps, sale_id, reverses, reason_json, at, kiosk_no)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(entry.id, entry.memberId, entry.kind, entry.points, entry.stamps, entry.saleId,
      entry.reverses, JSON.stringify(entry.reason), entry.at, kioskNo).changes === 1;
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
        }
        mark.run(message.id, kiosk.no, now.toISOString());
      }
      return messages.map((m) => m.id);
    }).immediate();
  }

  /**
   * Claims a sale for a member: the claims row (sale key UNIQUE), the earn entry, the balance and the
   * delivery to the sale's kiosk in one transaction. The second claim of a sale gets 'already-claimed'.
   */
  claim(input: { saleKey: string; kioskNo: number; saleNo: number; member: Member; via: 'phone' | 'staff'; points: number;
    stamps: number; label: string; deliverTo: number | null; now: Date }): ClaimOutcome {
    return this.db.transaction((): ClaimOutcome => {
      const at = input.now.toISOString();
      const taken = this.sql(`INSERT INTO claims (sale_key, kiosk_no, sale_no, member_id, via, points, stamps, at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sale_key) DO NOTHING`)
        .run(input.saleKey, input.kioskNo, input.saleNo, input.member.id, input.via, input.points, input.stamps, at).changes;
      if (taken === 0) return { ok: false, reason: 'already-claimed' };
      const entry: LedgerEntry = {
        id: `claim:${input.saleKey}`, memberId: input.member.id, kind: 'earn', points: input.points, stamps: input.stamps,
        saleId: input.saleKey, reverses: null, reason: { code: 'claim', label: input.label }, at,
      };
      this.insertEntry(entry, input.kioskNo);
      const balance = this.balance(input.member.id);
      const shop = this.shop(input.member.shopNo)!;
      const accepted: ClaimAccepted = {
        deliveryId: randomUUID(), saleKey: input.saleKey, saleNo: input.saleNo, via: input.via,
        member: { id: input.member.id, no: input.member.no, name: input.member.name },
        points: input.points, stamps: input.stamps,
        balance: { points: balance.points, stamps: balance.stamps },
        progress: progressFor(shop.program, balance), entries: [entry], at,
      };
      if (input.deliverTo !== null) {
        this.sql('INSERT INTO deliveries (id, kiosk_no, payload_json, created_at) VALUES (?, ?, ?, ?)')
          .run(accepted.deliveryId, input.deliverTo, JSON.stringify(accepted), at);
      }
      return { ok: true, accepted, kioskNo: input.kioskNo };
    }).immediate();
  }

  pendingDeliveries(kioskNo: number, limit = 100): ClaimAccepted[] {
    return (this.sql('SELECT payload_json FROM deliveries WHERE kiosk_no = ? ORDER BY created_at, rowid LIMIT ?')
      .all(kioskNo, limit) as { payload_json: string }[]).map((r) => JSON.parse(r.payload_json) as ClaimAccepted);
  }

  deliveryAcked(kioskNo: number, deliveryId: string): void {
    this.sql('DELETE FROM deliveries WHERE id = ? AND kiosk_no = ?').run(deliveryId, kioskNo);
  }
}
