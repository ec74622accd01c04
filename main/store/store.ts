// The kiosk's store: one better-sqlite3 file in KIOSK_DATA_DIR, written by one process only.
// Every public write is one transaction; ids are chosen by the writer, so a replay is a lookup.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { PrintJournal } from '../../hardware/printer';
import type { LedgerEntry } from '../../core/ledger/entry';
import { ledgerEntrySchema } from '../../core/ledger/entry';
import { hubEarnStateSchema, type HubEarnState } from '../../core/ledger/replica-state';
import type { CurrencyCode, Money, PaymentKind } from '../../core/money';
import { StoreConflictError, StoreError, StoreInputError } from './errors';
import { lockedError, removePidFile, writePidFile } from './lock';
import { migrate } from './migrations';
import type { CountryCode } from 'libphonenumber-js';
import { decodeSafeCode, memberCodeFor, memberNumberOf } from '../../core/codes';
import { contactOrUndefined } from '../../core/contact';
import type {
  Balance,
  Member,
  MemberInput,
  OutboxMessage,
  OutboxMessageInput,
  RefundInput,
  SaleInput,
  SaleLine,
  SaleSource,
  SaleStatus,
  StoredRefund,
  StoredSale,
} from './schemas';
import { memberInputSchema, outboxMessageSchema, refundInputSchema, saleInputSchema } from './schemas';
import type { Clock } from '../../core/clock';

export const DB_FILE = 'kiosk.sqlite';

export interface OpenStoreOptions {
  /** The data directory (KIOSK_DATA_DIR); created if missing. */
  dir: string;
  /** How long to wait for another process to let go of the store before refusing (ms). Default 1000. */
  lockWaitMs?: number;
  /** SQLite busy timeout once open (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** Highest sale total accepted per currency, in minor units; above it a sale is refused. */
  maxSaleAmount?: Partial<Record<CurrencyCode, number>>;
  /** The kiosk's clock (core/clock.ts), for bookkeeping columns (migration and update times). */
  now: Clock;
}

export interface EntriesResult {
  appended: string[];
  duplicates: string[];
}

export type RecordSaleResult = { status: 'recorded'; sale: StoredSale; entries: EntriesResult } | { status: 'duplicate'; sale: StoredSale };

export type ClaimSaleResult =
  { status: 'claimed'; sale: StoredSale; entries: EntriesResult } | { status: 'duplicate'; sale: StoredSale } | { status: 'already-claimed'; sale: StoredSale };

export type RecordRefundResult =
  { status: 'recorded'; refund: StoredRefund; sale: StoredSale; entries: EntriesResult } | { status: 'duplicate'; refund: StoredRefund; sale: StoredSale };

export type RedeemResult =
  | { status: 'redeemed'; balance: Balance; entries: EntriesResult }
  | { status: 'duplicate'; balance: Balance }
  | { status: 'insufficient'; balance: Balance; missing: { points: number; stamps: Record<string, number> } };

/** A voucher redeemed at this kiosk: `via` 'hub' when the hub decided, 'offline' when it could not be asked. */
export interface StoredVoucherRedemption {
  voucherId: string;
  redemptionId: string;
  via: 'hub' | 'offline';
  at: string;
  result: unknown;
}

export interface ProjectionMismatch {
  memberId: string;
  card: string | null;
  projected: { points: number; stamps: number };
  fromEntries: { points: number; stamps: number };
}

export interface StoreCounts {
  members: number;
  sales: number;
  ledger: number;
  refunds: number;
  outboxPending: number;
  outboxAcked: number;
}

type Row = Record<string, unknown>;

function describeIssues(what: string, error: z.ZodError): string {
  const issues = error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(value)'}: ${i.message}`);
  return `${what} refused, nothing written — ${issues.join('; ')}`;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new StoreInputError(describeIssues(what, result.error));
  return result.data;
}

/** JSON with sorted keys, to compare a replayed entry with the stored one. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function formatMinor(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency}`;
}

/** Lower-case, accents removed: "Łucja Nagy-Szabó" matches "lucja", "szabo". */
/** The hub's directory as the store keeps it (core/sync-protocol MemberChange). */
export interface MemberChangeRow {
  seq: number;
  id: string;
  no: number;
  code: string | null;
  erased: boolean;
  name: string | null;
  phone: string | null;
  email: string | null;
  points: number;
  stamps: number;
  /** The owner merged this member into that one (the hub's id): this row's codes lead there. */
  mergedInto?: string | null | undefined;
  /** The hub's stamps per card (absent from an older hub). */
  stampsByCard?: Record<string, number> | undefined;
  /** What core/earn needs of her history, as the hub has it (core/ledger/replica-state; absent from an older hub). */
  earn?: HubEarnState | undefined;
}

const MEMBER_CURSOR_SETTING = 'hub.memberCursor';

/** The member number in a card code (`M…`), or undefined when the text is no member code. */
function memberNumberFromCode(text: string): number | undefined {
  const decoded = decodeSafeCode(text.toUpperCase());
  return decoded.ok && decoded.kind === 'member' ? memberNumberOf(decoded.payload) : undefined;
}

export function searchKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{Mn}/gu, '')
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .toLowerCase()
    .trim();
}

function toSale(row: Row): StoredSale {
  return {
    id: row.id as string,
    source: row.source as SaleSource,
    tillSaleId: row.till_sale_id as string | null,
    total: { amount: row.amount as number, currency: row.currency as CurrencyCode },
    lines: JSON.parse(row.lines as string) as SaleLine[],
    memberId: row.member_id as string | null,
    claimToken: row.claim_token as string | null,
    earned:
      row.points === null || row.points === undefined
        ? null
        : {
            points: row.points as number,
            stampsByCard: row.stamps_by_card === null ? {} : (JSON.parse(row.stamps_by_card as string) as Record<string, number>),
          },
    payment: (row.payment ?? null) as PaymentKind | null,
    status: row.status as SaleStatus,
    refunded: row.refunded as number,
    claimedAt: row.claimed_at as string | null,
    createdAt: row.created_at as string,
  };
}

function toEntry(row: Row): LedgerEntry {
  return {
    id: row.id as string,
    memberId: row.member_id as string,
    kind: row.kind as LedgerEntry['kind'],
    points: row.points as number,
    stamps: row.stamps as number,
    saleId: row.sale_id as string | null,
    reverses: row.reverses as string | null,
    reason: JSON.parse(row.reason as string) as LedgerEntry['reason'],
    ...(row.spend === null || row.spend === undefined ? {} : { spend: row.spend as number }),
    at: row.at as string,
  };
}

function toMember(row: Row): Member {
  return {
    id: row.id as string,
    code: row.code as string,
    name: row.name as string | null,
    phone: row.phone as string | null,
    email: row.email as string | null,
    consentAt: row.consent_at as string,
    consentText: row.consent_text as string,
    locale: row.locale as Member['locale'],
    birthday: row.birthday as string | null,
    referredBy: row.referred_by as string | null,
    createdAt: row.created_at as string,
  };
}

function toRefund(row: Row): StoredRefund {
  return {
    id: row.id as string,
    saleId: row.sale_id as string,
    kind: row.kind as StoredRefund['kind'],
    tillRefundId: row.till_refund_id as string | null,
    amount: { amount: row.amount as number, currency: row.currency as CurrencyCode },
    createdAt: row.created_at as string,
  };
}

function toOutbox(row: Row): OutboxMessage {
  return {
    seq: row.seq as number,
    id: row.id as string,
    topic: row.topic as string,
    payload: JSON.parse(row.payload as string) as unknown,
    memberId: row.member_id as string | null,
    createdAt: row.created_at as string,
    attempts: row.attempts as number,
  };
}

const entriesSchema = z.array(ledgerEntrySchema);
const outboxListSchema = z.array(outboxMessageSchema);
const memberPatchSchema = z
  .object({
    name: z.string().trim().max(200).nullable().optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'phone must be in international form such as +48601234567')
      .nullable()
      .optional(),
    email: z.email({ error: 'email is not a valid address' }).max(254).nullable().optional(),
    locale: z.enum(['pl', 'hu', 'sk', 'cs', 'de', 'en']).optional(),
    birthday: z
      .string()
      .regex(/^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'birthday must be MM-DD or YYYY-MM-DD')
      .nullable()
      .optional(),
  })
  .strict();
export type MemberPatch = z.input<typeof memberPatchSchema>;

/** Opens (creating and migrating if needed) the kiosk store in `dir` and takes the writer lock. */
export function openStore(options: OpenStoreOptions): KioskStore {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, DB_FILE);
  const db = new Database(path);
  const now = (): string => options.now().toISOString();
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.lockWaitMs ?? 1000))}`);
    // Exclusive before WAL: the WAL index then lives in this process's memory and the write lock,
    // taken by the BEGIN IMMEDIATE below, is held until close. The OS drops it if we die.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal')
      throw new StoreError(
        `The kiosk store ${path} cannot use write-ahead logging (journal mode stays "${String(mode)}"); put KIOSK_DATA_DIR on a local disk.`,
      );
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw lockedError(dir, path);
    throw err;
  }
  try {
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    writePidFile(dir, now());
    migrate(db, options.now);
  } catch (err) {
    db.close();
    removePidFile(dir);
    throw err;
  }
  return new KioskStore(db, dir, options.maxSaleAmount ?? {}, now);
}

function prepareStatements(db: Database.Database) {
  return {
    insertEntry: db.prepare(`INSERT INTO ledger (id, member_id, kind, points, stamps, card, sale_id, reverses, reason, spend, at)
      VALUES (@id, @memberId, @kind, @points, @stamps, @card, @saleId, @reverses, @reason, @spend, @at) ON CONFLICT(id) DO NOTHING`),
    entryById: db.prepare('SELECT * FROM ledger WHERE id = ?'),
    cardOf: db.prepare<[string], { card: string }>('SELECT card FROM ledger WHERE id = ? AND stamps != 0'),
    addBalance: db.prepare(`INSERT INTO balances (member_id, points, stamps, entries, last_entry_at) VALUES (?, ?, ?, 1, ?)
      ON CONFLICT(member_id) DO UPDATE SET points = points + excluded.points, stamps = stamps + excluded.stamps,
      entries = entries + 1, last_entry_at = max(coalesce(last_entry_at, ''), excluded.last_entry_at)`),
    addStamps: db.prepare(`INSERT INTO stamp_balances (member_id, card, stamps) VALUES (?, ?, ?)
      ON CONFLICT(member_id, card) DO UPDATE SET stamps = stamps + excluded.stamps`),
    balance: db.prepare('SELECT * FROM balances WHERE member_id = ?'),
    stampCards: db.prepare<[string], { card: string; stamps: number }>('SELECT card, stamps FROM stamp_balances WHERE member_id = ? ORDER BY card'),
    insertOutbox: db.prepare(`INSERT INTO outbox (id, topic, payload, member_id, created_at) VALUES (@id, @topic, @payload, @memberId, @createdAt)
      ON CONFLICT(id) DO NOTHING`),
    insertSale:
      db.prepare(`INSERT INTO sales (id, source, till_sale_id, amount, currency, lines, member_id, claim_token, points, stamps_by_card, payment, status, created_at)
      VALUES (@id, @source, @tillSaleId, @amount, @currency, @lines, @memberId, @claimToken, @points, @stampsByCard, @payment, 'recorded', @createdAt)`),
    saleById: db.prepare('SELECT * FROM sales WHERE id = ?'),
    saleByTillId: db.prepare('SELECT * FROM sales WHERE source = ? AND till_sale_id = ?'),
    entriesForSale: db.prepare('SELECT * FROM ledger WHERE sale_id = ? ORDER BY seq'),
  };
}

export class KioskStore {
  private closed = false;
  private readonly st: ReturnType<typeof prepareStatements>;

  constructor(
    private readonly db: Database.Database,
    readonly dir: string,
    private readonly maxSaleAmount: Partial<Record<CurrencyCode, number>>,
    private readonly now: () => string,
  ) {
    this.st = prepareStatements(db);
  }

  private get open(): Database.Database {
    if (this.closed) throw new StoreError('The kiosk store is closed.');
    return this.db;
  }

  // ---- ledger -------------------------------------------------------------------------------

  /**
   * The stamp card an entry counts on: the reason's ruleId, and for a reversal the card of the entry
   * it reverses, so a refund takes stamps off the card they were put on.
   */
  private cardFor(e: LedgerEntry): string {
    if (e.stamps === 0) return '';
    return (e.reverses !== null ? this.st.cardOf.get(e.reverses)?.card : undefined) ?? e.reason.ruleId ?? '';
  }

  /** Inserts one validated entry and updates the projections; a known id is a no-op. */
  private applyEntry(e: LedgerEntry, out: EntriesResult): void {
    const card = this.cardFor(e);
    const info = this.st.insertEntry.run({ ...e, card, reason: JSON.stringify(e.reason), spend: e.spend ?? null });
    if (info.changes === 0) {
      const stored = toEntry(this.st.entryById.get(e.id) as Row);
      if (canonical(stored) !== canonical(e)) {
        throw new StoreConflictError(
          `Ledger entry ${e.id} already exists with different content; entries are never changed (add a reversal instead). Nothing written.`,
        );
      }
      out.duplicates.push(e.id);
      return;
    }
    this.st.addBalance.run(e.memberId, e.points, e.stamps, e.at);
    if (e.stamps !== 0) this.st.addStamps.run(e.memberId, card, e.stamps);
    out.appended.push(e.id);
  }

  private applyEntries(entries: readonly LedgerEntry[]): EntriesResult {
    const out: EntriesResult = { appended: [], duplicates: [] };
    for (const e of entries) this.applyEntry(e, out);
    return out;
  }

  private applyOutbox(messages: readonly z.infer<typeof outboxMessageSchema>[]): void {
    for (const m of messages) this.st.insertOutbox.run({ ...m, payload: JSON.stringify(m.payload) });
  }

  /**
   * Appends entries (any members, any sales) and outbox messages in one transaction. An entry whose
   * id is already stored with the same content is reported as a duplicate and changes nothing.
   */
  appendEntries(entries: readonly LedgerEntry[], outbox: readonly OutboxMessageInput[] = []): EntriesResult {
    const valid = parse(entriesSchema, entries, 'Ledger entries');
    const messages = parse(outboxListSchema, outbox, 'Outbox messages');
    return this.open
      .transaction(() => {
        const result = this.applyEntries(valid);
        this.applyOutbox(messages);
        return result;
      })
      .immediate();
  }

  /** The balance projection of one member: one row read, whatever the length of the history. */
  balance(memberId: string): Balance {
    const row = this.st.balance.get(memberId) as Row | undefined;
    const stampsByCard: Record<string, number> = {};
    if (row !== undefined) {
      for (const c of this.st.stampCards.all(memberId)) if (c.stamps !== 0) stampsByCard[c.card] = c.stamps;
    }
    return {
      memberId,
      points: (row?.points as number | undefined) ?? 0,
      stamps: (row?.stamps as number | undefined) ?? 0,
      stampsByCard,
      entries: (row?.entries as number | undefined) ?? 0,
      lastEntryAt: (row?.last_entry_at as string | null | undefined) ?? null,
    };
  }

  getEntry(id: string): LedgerEntry | undefined {
    const row = this.open.prepare('SELECT * FROM ledger WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  entriesForSale(saleId: string): LedgerEntry[] {
    return (this.st.entriesForSale.all(saleId) as Row[]).map(toEntry);
  }

  /** A member's entries in the order they were stored, optionally only those at or after `since`. */
  entriesForMember(memberId: string, options: { since?: string; limit?: number } = {}): LedgerEntry[] {
    const rows = this.open
      .prepare('SELECT * FROM ledger WHERE member_id = ? AND (? IS NULL OR at >= ?) ORDER BY seq LIMIT ?')
      .all(memberId, options.since ?? null, options.since ?? null, options.limit ?? -1) as Row[];
    return rows.map(toEntry);
  }

  /**
   * Debits a redemption atomically: the entries (negative points and/or stamps of one member) are
   * written only if the balance covers them at that moment; otherwise nothing is written.
   */
  redeem(input: { entries: readonly LedgerEntry[]; outbox?: readonly OutboxMessageInput[] }): RedeemResult {
    const entries = parse(entriesSchema.min(1, 'a redemption needs at least one entry'), input.entries, 'Redemption');
    const messages = parse(outboxListSchema, input.outbox ?? [], 'Outbox messages');
    const memberId = entries[0]!.memberId;
    if (entries.some((e) => e.memberId !== memberId))
      throw new StoreInputError('Redemption refused, nothing written — all its entries must be for one member.');
    return this.open
      .transaction((): RedeemResult => {
        const fresh = entries.filter((e) => this.st.entryById.get(e.id) === undefined);
        if (fresh.length === 0) {
          this.applyEntries(entries); // checks that the replay matches what is stored
          return { status: 'duplicate', balance: this.balance(memberId) };
        }
        const before = this.balance(memberId);
        const points = before.points + fresh.reduce((s, e) => s + e.points, 0);
        const stampsAfter: Record<string, number> = { ...before.stampsByCard };
        for (const e of fresh) if (e.stamps !== 0) stampsAfter[this.cardFor(e)] = (stampsAfter[this.cardFor(e)] ?? 0) + e.stamps;
        const missingStamps = Object.fromEntries(
          Object.entries(stampsAfter)
            .filter(([, n]) => n < 0)
            .map(([card, n]) => [card, -n]),
        );
        if (points < 0 || Object.keys(missingStamps).length > 0) {
          return { status: 'insufficient', balance: before, missing: { points: Math.max(0, -points), stamps: missingStamps } };
        }
        const result = this.applyEntries(entries);
        this.applyOutbox(messages);
        return { status: 'redeemed', balance: this.balance(memberId), entries: result };
      })
      .immediate();
  }

  /** A voucher redeemed at this kiosk, by the voucher's id or by the redemption's id. */
  voucherRedemption(by: { voucherId: string } | { redemptionId: string }): StoredVoucherRedemption | undefined {
    const row = (
      'voucherId' in by
        ? this.open.prepare('SELECT * FROM voucher_redemptions WHERE voucher_id = ?').get(by.voucherId)
        : this.open.prepare('SELECT * FROM voucher_redemptions WHERE redemption_id = ?').get(by.redemptionId)
    ) as Row | undefined;
    return row === undefined
      ? undefined
      : {
          voucherId: row.voucher_id as string,
          redemptionId: row.redemption_id as string,
          via: row.via as 'hub' | 'offline',
          at: row.at as string,
          result: JSON.parse(row.result as string) as unknown,
        };
  }

  /** Replaces what this kiosk keeps of a redemption (the hub said whose stands); false when there is none under that id. */
  updateVoucherRedemptionResult(redemptionId: string, result: unknown): boolean {
    return this.open.prepare('UPDATE voucher_redemptions SET result = ? WHERE redemption_id = ?').run(JSON.stringify(result), redemptionId).changes === 1;
  }

  /**
   * Records a voucher redeemed here, with the voucher's hold entry (the hub's row, or the same row
   * derived from the voucher; skipped when this ledger has it already) and any outbox message, in one
   * transaction. The voucher id and the redemption id are each used once: a second redemption of the
   * voucher gets `duplicate` with the one that stands, and nothing is written.
   */
  recordVoucherRedemption(input: {
    redemption: Omit<StoredVoucherRedemption, 'result'> & { result: unknown };
    entries?: readonly LedgerEntry[];
    outbox?: readonly OutboxMessageInput[];
  }): { status: 'recorded' | 'duplicate'; redemption: StoredVoucherRedemption } {
    const entries = parse(entriesSchema, input.entries ?? [], 'Ledger entries');
    const messages = parse(outboxListSchema, input.outbox ?? [], 'Outbox messages');
    const r = input.redemption;
    return this.open
      .transaction(() => {
        const standing = this.voucherRedemption({ voucherId: r.voucherId });
        if (standing) return { status: 'duplicate' as const, redemption: standing };
        const other = this.voucherRedemption({ redemptionId: r.redemptionId });
        if (other) throw new StoreConflictError(`Redemption ${r.redemptionId} is already used for another voucher — nothing written.`);
        this.open
          .prepare('INSERT INTO voucher_redemptions (voucher_id, redemption_id, via, at, result) VALUES (?, ?, ?, ?, ?)')
          .run(r.voucherId, r.redemptionId, r.via, r.at, JSON.stringify(r.result));
        this.applyEntries(entries.filter((e) => this.st.entryById.get(e.id) === undefined));
        this.applyOutbox(messages);
        return { status: 'recorded' as const, redemption: this.voucherRedemption({ voucherId: r.voucherId })! };
      })
      .immediate();
  }

  /** Compares every projection row with the sums of the ledger; empty when all agree. */
  checkProjections(): ProjectionMismatch[] {
    const db = this.open;
    const members = db
      .prepare(
        `
      SELECT coalesce(b.member_id, s.member_id) AS member_id, coalesce(b.points, 0) AS bp, coalesce(b.stamps, 0) AS bs,
             coalesce(s.points, 0) AS sp, coalesce(s.stamps, 0) AS ss
      FROM balances b FULL OUTER JOIN (SELECT member_id, sum(points) AS points, sum(stamps) AS stamps FROM ledger GROUP BY member_id) s
        ON s.member_id = b.member_id
      WHERE coalesce(b.points, 0) != coalesce(s.points, 0) OR coalesce(b.stamps, 0) != coalesce(s.stamps, 0)`,
      )
      .all() as Row[];
    const cards = db
      .prepare(
        `
      SELECT coalesce(b.member_id, s.member_id) AS member_id, coalesce(b.card, s.card) AS card, coalesce(b.stamps, 0) AS bs, coalesce(s.stamps, 0) AS ss
      FROM stamp_balances b FULL OUTER JOIN (SELECT member_id, card, sum(stamps) AS stamps FROM ledger WHERE stamps != 0 GROUP BY member_id, card) s
        ON s.member_id = b.member_id AND s.card = b.card
      WHERE coalesce(b.stamps, 0) != coalesce(s.stamps, 0)`,
      )
      .all() as Row[];
    return [
      ...members.map((r) => ({
        memberId: r.member_id as string,
        card: null,
        projected: { points: r.bp as number, stamps: r.bs as number },
        fromEntries: { points: r.sp as number, stamps: r.ss as number },
      })),
      ...cards.map((r) => ({
        memberId: r.member_id as string,
        card: r.card as string,
        projected: { points: 0, stamps: r.bs as number },
        fromEntries: { points: 0, stamps: r.ss as number },
      })),
    ];
  }

  // ---- sales --------------------------------------------------------------------------------

  private checkCeiling(total: Money): void {
    const max = this.maxSaleAmount[total.currency];
    if (max !== undefined && total.amount > max) {
      throw new StoreInputError(
        `Sale refused, nothing written — total ${formatMinor(total.amount, total.currency)} is over the ceiling of ${formatMinor(max, total.currency)} set for this kiosk.`,
      );
    }
  }

  /**
   * Records a sale with the ledger entries it earned and its outbox messages, all or nothing.
   * Idempotent: the same sale id, or the same till id from the same source with the same total,
   * returns the stored sale and writes nothing; the same till id with another total is refused.
   */
  recordSale(input: { sale: SaleInput; entries?: readonly LedgerEntry[]; outbox?: readonly OutboxMessageInput[] }): RecordSaleResult {
    const sale = parse(saleInputSchema, input.sale, 'Sale');
    this.checkCeiling(sale.total);
    const entries = parse(entriesSchema, input.entries ?? [], 'Ledger entries of the sale');
    const messages = parse(outboxListSchema, input.outbox ?? [], 'Outbox messages');
    for (const e of entries) {
      if (e.saleId !== sale.id) throw new StoreInputError(`Sale refused, nothing written — entry ${e.id} belongs to sale ${String(e.saleId)}, not ${sale.id}.`);
      if (e.memberId !== sale.memberId)
        throw new StoreInputError(
          `Sale refused, nothing written — entry ${e.id} is for member ${e.memberId} but the sale's member is ${String(sale.memberId)}.`,
        );
    }
    const sameTotal = (s: StoredSale): boolean => s.total.amount === sale.total.amount && s.total.currency === sale.total.currency;
    return this.open
      .transaction((): RecordSaleResult => {
        const byId = this.st.saleById.get(sale.id) as Row | undefined;
        if (byId !== undefined) {
          const stored = toSale(byId);
          if (stored.tillSaleId !== sale.tillSaleId || stored.source !== sale.source || !sameTotal(stored)) {
            throw new StoreConflictError(
              `Sale ${sale.id} already exists with different content (till id ${String(stored.tillSaleId)}, ${formatMinor(stored.total.amount, stored.total.currency)}). Nothing written.`,
            );
          }
          return { status: 'duplicate', sale: stored };
        }
        if (sale.tillSaleId !== null) {
          const byTill = this.st.saleByTillId.get(sale.source, sale.tillSaleId) as Row | undefined;
          if (byTill !== undefined) {
            const stored = toSale(byTill);
            if (!sameTotal(stored)) {
              throw new StoreConflictError(
                `Till sale ${sale.tillSaleId} was already recorded with ${formatMinor(stored.total.amount, stored.total.currency)}; a retry must send the same total. Nothing written.`,
              );
            }
            return { status: 'duplicate', sale: stored };
          }
        }
        const { earned, ...row } = sale;
        this.st.insertSale.run({
          ...row,
          amount: sale.total.amount,
          currency: sale.total.currency,
          lines: JSON.stringify(sale.lines),
          points: earned?.points ?? null,
          stampsByCard: earned ? JSON.stringify(earned.stampsByCard) : null,
        });
        const result = this.applyEntries(entries);
        this.applyOutbox(messages);
        return { status: 'recorded', sale: toSale(this.st.saleById.get(sale.id) as Row), entries: result };
      })
      .immediate();
  }

  /**
   * Attaches a member to a sale recorded without one (a phone or scanner claim) with the entries it
   * earns. Exactly one claim wins: a sale that already has another member is left as it is.
   */
  claimSale(input: {
    saleId: string;
    memberId: string;
    at: string;
    entries?: readonly LedgerEntry[];
    outbox?: readonly OutboxMessageInput[];
  }): ClaimSaleResult {
    const at = parse(z.string().datetime({ offset: true }), input.at, 'Claim time');
    const entries = parse(entriesSchema, input.entries ?? [], 'Ledger entries of the claim');
    const messages = parse(outboxListSchema, input.outbox ?? [], 'Outbox messages');
    for (const e of entries) {
      // A referral pays the referrer too (core/earn): the one entry of a claim for someone else.
      const referrer = e.kind === 'bonus' && e.reason.code === 'referrer';
      if (e.saleId !== input.saleId || (e.memberId !== input.memberId && !referrer)) {
        throw new StoreInputError(`Claim refused, nothing written — entry ${e.id} must be for sale ${input.saleId} and member ${input.memberId}.`);
      }
    }
    return this.open
      .transaction((): ClaimSaleResult => {
        const row = this.st.saleById.get(input.saleId) as Row | undefined;
        if (row === undefined) throw new StoreInputError(`Claim refused, nothing written — there is no sale ${input.saleId} on this kiosk.`);
        const sale = toSale(row);
        if (sale.memberId === input.memberId && sale.claimedAt !== null) return { status: 'duplicate', sale };
        if (sale.memberId !== null) return { status: 'already-claimed', sale };
        // A partly refunded sale can still be claimed: the hub pays only what is left of it (saleReversed).
        if (sale.status !== 'recorded' && sale.status !== 'partly-refunded')
          throw new StoreConflictError(`Claim refused, nothing written — sale ${sale.id} is ${sale.status}.`);
        this.open.prepare('UPDATE sales SET member_id = ?, claimed_at = ? WHERE id = ?').run(input.memberId, at, sale.id);
        const result = this.applyEntries(entries);
        this.applyOutbox(messages);
        return { status: 'claimed', sale: toSale(this.st.saleById.get(sale.id) as Row), entries: result };
      })
      .immediate();
  }

  /**
   * The hub refused a claim this kiosk made offline (another claim of the sale came first): the sale
   * goes to the winner, as on the hub, and the hub's rows of the sale are appended (known ids are no-ops).
   */
  settleRefusedClaim(input: { saleId: string; winnerId: string; entries: readonly LedgerEntry[] }): EntriesResult {
    const entries = parse(entriesSchema, input.entries, 'Ledger entries of the refused claim');
    return this.open
      .transaction(() => {
        this.open.prepare('UPDATE sales SET member_id = ? WHERE id = ? AND member_id IS NOT NULL').run(input.winnerId, input.saleId);
        return this.applyEntries(entries);
      })
      .immediate();
  }

  getSale(id: string): StoredSale | undefined {
    const row = this.st.saleById.get(id) as Row | undefined;
    return row === undefined ? undefined : toSale(row);
  }

  /** The sale the till knows by `tillSaleId` (unique per source; the till API uses source 'api'). */
  getSaleByTillId(tillSaleId: string, source: SaleSource = 'api'): StoredSale | undefined {
    const row = this.st.saleByTillId.get(source, tillSaleId) as Row | undefined;
    return row === undefined ? undefined : toSale(row);
  }

  /** A member's sales, newest last, optionally from `since` on (for tiers over a rolling window). */
  salesForMember(memberId: string, options: { since?: string } = {}): StoredSale[] {
    const rows = this.open
      .prepare('SELECT * FROM sales WHERE member_id = ? AND (? IS NULL OR created_at >= ?) ORDER BY created_at, id')
      .all(memberId, options.since ?? null, options.since ?? null) as Row[];
    return rows.map(toSale);
  }

  /** The newest sales first (the staff screen's recent sales). */
  recentSales(limit: number): StoredSale[] {
    return (this.open.prepare('SELECT * FROM sales ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as Row[]).map(toSale);
  }

  /**
   * Sales in time order (sale time, then id), from `since` on and after the sale `after` (the last of
   * the page before), at most `limit`: keyset paging, so a page does not shift when sales are added.
   */
  salesInOrder(options: { since?: string; after?: { createdAt: string; id: string }; limit: number }): StoredSale[] {
    const rows = this.open
      .prepare(
        `SELECT * FROM sales
          WHERE (@since IS NULL OR created_at >= @since)
            AND (@afterAt IS NULL OR created_at > @afterAt OR (created_at = @afterAt AND id > @afterId))
          ORDER BY created_at, id LIMIT @limit`,
      )
      .all({ since: options.since ?? null, afterAt: options.after?.createdAt ?? null, afterId: options.after?.id ?? null, limit: options.limit }) as Row[];
    return rows.map(toSale);
  }

  /**
   * What happened from `since` on (ISO time), for the staff screen's figures of the day: sales,
   * ledger entries, refunds and the number of members enrolled.
   */
  activitySince(since: string): { sales: StoredSale[]; entries: LedgerEntry[]; refunds: StoredRefund[]; enrolled: number } {
    const db = this.open;
    return {
      sales: (db.prepare('SELECT * FROM sales WHERE created_at >= ? ORDER BY created_at').all(since) as Row[]).map(toSale),
      entries: (db.prepare('SELECT * FROM ledger WHERE at >= ? ORDER BY seq').all(since) as Row[]).map(toEntry),
      refunds: (db.prepare('SELECT * FROM refunds WHERE created_at >= ? ORDER BY created_at').all(since) as Row[]).map(toRefund),
      enrolled: (db.prepare('SELECT count(*) AS n FROM members WHERE created_at >= ?').get(since) as { n: number }).n,
    };
  }

  // ---- refunds ------------------------------------------------------------------------------

  /**
   * Records a refund or void of a sale with its reversal entries, all or nothing. A void takes the
   * whole remaining amount. A refund of an unknown sale, in another currency, or of more than is
   * left is refused. The same refund id again returns the stored refund and writes nothing.
   */
  recordRefund(input: { refund: RefundInput; entries?: readonly LedgerEntry[]; outbox?: readonly OutboxMessageInput[] }): RecordRefundResult {
    const refund = parse(refundInputSchema, input.refund, 'Refund');
    const entries = parse(entriesSchema, input.entries ?? [], 'Reversal entries');
    const messages = parse(outboxListSchema, input.outbox ?? [], 'Outbox messages');
    for (const e of entries) {
      if (e.saleId !== refund.saleId)
        throw new StoreInputError(`Refund refused, nothing written — entry ${e.id} belongs to sale ${String(e.saleId)}, not ${refund.saleId}.`);
    }
    if (refund.kind === 'refund' && refund.amount === null)
      throw new StoreInputError('Refund refused, nothing written — amount: a refund needs an amount (a void takes the whole sale).');
    return this.open
      .transaction((): RecordRefundResult => {
        const existing = this.open.prepare('SELECT * FROM refunds WHERE id = ?').get(refund.id) as Row | undefined;
        if (existing !== undefined) {
          const stored = toRefund(existing);
          if (
            stored.saleId !== refund.saleId ||
            stored.kind !== refund.kind ||
            (refund.amount !== null && (refund.amount.amount !== stored.amount.amount || refund.amount.currency !== stored.amount.currency))
          ) {
            throw new StoreConflictError(`Refund ${refund.id} already exists with different content. Nothing written.`);
          }
          return { status: 'duplicate', refund: stored, sale: toSale(this.st.saleById.get(stored.saleId) as Row) };
        }
        const row = this.st.saleById.get(refund.saleId) as Row | undefined;
        if (row === undefined) throw new StoreInputError(`Refund refused, nothing written — there is no sale ${refund.saleId} on this kiosk.`);
        const sale = toSale(row);
        if (sale.status === 'voided') throw new StoreConflictError(`Refund refused, nothing written — sale ${sale.id} was already voided.`);
        const left = sale.total.amount - sale.refunded;
        if (left === 0) throw new StoreConflictError(`Refund refused, nothing written — sale ${sale.id} was already refunded in full.`);
        const amount = refund.amount ?? { amount: left, currency: sale.total.currency };
        if (amount.currency !== sale.total.currency)
          throw new StoreInputError(`Refund refused, nothing written — the sale was in ${sale.total.currency}, the refund is in ${amount.currency}.`);
        if (amount.amount > left) {
          throw new StoreInputError(
            `Refund refused, nothing written — ${formatMinor(amount.amount, amount.currency)} is more than the ${formatMinor(left, sale.total.currency)} left on sale ${sale.id}.`,
          );
        }
        const refunded = sale.refunded + amount.amount;
        const status: SaleStatus = refund.kind === 'void' ? 'voided' : refunded === sale.total.amount ? 'refunded' : 'partly-refunded';
        this.open
          .prepare('INSERT INTO refunds (id, sale_id, kind, till_refund_id, amount, currency, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(refund.id, sale.id, refund.kind, refund.tillRefundId, amount.amount, amount.currency, refund.createdAt);
        this.open.prepare('UPDATE sales SET refunded = ?, status = ? WHERE id = ?').run(refunded, status, sale.id);
        const result = this.applyEntries(entries);
        this.applyOutbox(messages);
        return {
          status: 'recorded',
          refund: { id: refund.id, saleId: sale.id, kind: refund.kind, tillRefundId: refund.tillRefundId, amount, createdAt: refund.createdAt },
          sale: toSale(this.st.saleById.get(sale.id) as Row),
          entries: result,
        };
      })
      .immediate();
  }

  refundsForSale(saleId: string): StoredRefund[] {
    return (this.open.prepare('SELECT * FROM refunds WHERE sale_id = ? ORDER BY created_at, id').all(saleId) as Row[]).map(toRefund);
  }

  // ---- members ------------------------------------------------------------------------------

  private memberUniqueness(member: { id: string; code?: string; phone?: string | null; email?: string | null }): void {
    const clash = (column: 'code' | 'phone' | 'email', value: string | null | undefined, label: string): void => {
      if (value === null || value === undefined) return;
      const other = this.open.prepare(`SELECT id, code FROM members WHERE ${column} = ? AND id != ?`).get(value, member.id) as Row | undefined;
      if (other !== undefined) throw new StoreConflictError(`A member with ${label} ${value} already exists (code ${String(other.code)}). Nothing written.`);
    };
    clash('code', member.code, 'code');
    clash('phone', member.phone, 'phone');
    clash('email', member.email, 'e-mail');
  }

  /** Enrols a member (with consent). The same id again with the same code returns the stored member. */
  createMember(input: MemberInput, outbox: readonly OutboxMessageInput[] = []): { status: 'created' | 'duplicate'; member: Member } {
    const m = parse(memberInputSchema, input, 'Member');
    const messages = parse(outboxListSchema, outbox, 'Outbox messages');
    const email = m.email === null ? null : m.email.toLowerCase();
    return this.open
      .transaction(() => {
        const existing = this.getMember(m.id);
        if (existing !== undefined) {
          if (existing.code !== m.code) throw new StoreConflictError(`Member ${m.id} already exists with another code. Nothing written.`);
          return { status: 'duplicate' as const, member: existing };
        }
        this.memberUniqueness({ ...m, email });
        this.open
          .prepare(
            `INSERT INTO members (id, code, name, search_name, phone, email, consent_at, consent_text, locale, birthday, referred_by, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            m.id,
            m.code,
            m.name,
            m.name === null ? null : searchKey(m.name),
            m.phone,
            email,
            m.consentAt,
            m.consentText,
            m.locale,
            m.birthday,
            m.referredBy,
            m.createdAt,
            m.createdAt,
          );
        this.indexName(m.id, m.name);
        this.applyOutbox(messages);
        return { status: 'created' as const, member: this.getMember(m.id)! };
      })
      .immediate();
  }

  /** Changes a member's contact details or language; fields left out stay as they are. */
  updateMember(id: string, patch: MemberPatch): Member {
    const p = parse(memberPatchSchema, patch, 'Member change');
    return this.open
      .transaction(() => {
        const current = this.getMember(id);
        if (current === undefined) throw new StoreInputError(`Member change refused, nothing written — there is no member ${id}.`);
        const pick = <K extends keyof MemberPatch & keyof Member>(k: K): Member[K] => (p[k] === undefined ? current[k] : p[k]) as Member[K];
        const email = pick('email');
        const next: Member = {
          ...current,
          name: pick('name'),
          phone: pick('phone'),
          email: email === null ? null : email.toLowerCase(),
          locale: pick('locale'),
          birthday: pick('birthday'),
        };
        if (next.phone === null && next.email === null)
          throw new StoreInputError('Member change refused, nothing written — a member needs a phone number or an e-mail address.');
        this.memberUniqueness(next);
        this.open
          .prepare('UPDATE members SET name = ?, search_name = ?, phone = ?, email = ?, locale = ?, birthday = ?, updated_at = ? WHERE id = ?')
          .run(next.name, next.name === null ? null : searchKey(next.name), next.phone, next.email, next.locale, next.birthday, this.now(), id);
        this.indexName(id, next.name);
        return this.getMember(id)!;
      })
      .immediate();
  }

  getMember(id: string): Member | undefined {
    const row = this.open.prepare('SELECT * FROM members WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : toMember(row);
  }

  /**
   * A member by the code on their card: the code this kiosk gave, or the hub's card code (its member
   * number). A second enrolment merged into another member leads to that member; an erased one is gone.
   */
  findMemberByCode(code: string): Member | undefined {
    const text = code.trim();
    const hubNo = memberNumberFromCode(text);
    const row = this.open.prepare('SELECT * FROM members WHERE code = ? OR hub_no = ? ORDER BY code = ? DESC LIMIT 1').get(text, hubNo ?? -1, text) as
      Row | undefined;
    return this.live(row);
  }

  /** A member by their normalised phone number or e-mail address (core/contact), following merges. */
  findMemberByContact(contact: { phone: string | null; email: string | null }): Member | undefined {
    if (contact.phone !== null) {
      const row = this.open.prepare('SELECT * FROM members WHERE phone = ?').get(contact.phone) as Row | undefined;
      if (row) return this.live(row);
    }
    if (contact.email !== null) {
      const row = this.open.prepare('SELECT * FROM members WHERE email = ?').get(contact.email.toLowerCase()) as Row | undefined;
      if (row) return this.live(row);
    }
    return undefined;
  }

  /** The member a row stands for: itself, the member it was merged into, or none when erased. */
  private live(row: Row | undefined, hops = 0): Member | undefined {
    if (row === undefined || row.erased_at !== null) return undefined;
    if (row.merged_into !== null && hops < 5)
      return this.live(this.open.prepare('SELECT * FROM members WHERE id = ?').get(row.merged_into) as Row | undefined, hops + 1);
    return toMember(row);
  }

  /**
   * What the hub's directory says of a member (number, balance, stamps per card, earn state), when it
   * has named them. `stampsByCard` and `earn` are undefined when an older hub did not send them.
   */
  hubView(
    memberId: string,
  ): { no: number; points: number; stamps: number; seq: number; stampsByCard?: Record<string, number>; earn?: HubEarnState } | undefined {
    const row = this.open
      .prepare('SELECT hub_no, hub_points, hub_stamps, hub_seq, hub_cards, hub_earn FROM members WHERE id = ? AND hub_seq IS NOT NULL')
      .get(memberId) as Row | undefined;
    if (!row) return undefined;
    const earn = row.hub_earn === null ? undefined : hubEarnStateSchema.safeParse(JSON.parse(row.hub_earn as string));
    return {
      no: row.hub_no as number,
      points: row.hub_points as number,
      stamps: row.hub_stamps as number,
      seq: row.hub_seq as number,
      ...(row.hub_cards === null ? {} : { stampsByCard: JSON.parse(row.hub_cards as string) as Record<string, number> }),
      ...(earn?.success ? { earn: earn.data } : {}),
    };
  }

  /** Ids of the rows merged into `memberId` (their entries on this kiosk are that member's too). */
  mergedIds(memberId: string): string[] {
    return (this.open.prepare('SELECT id FROM members WHERE merged_into = ?').all(memberId) as Row[]).map((r) => r.id as string);
  }

  /**
   * Staff search over the replica, best first: the member with this card code, then with this phone
   * number in any format (`region`: the shop's country, for numbers typed without +48), then this
   * e-mail, then names whose words start with the query's words (case and accents ignored), then
   * e-mails and phone numbers containing what was typed. Merged and erased members are left out.
   */
  searchMembers(query: string, limit = 20, region?: CountryCode): Member[] {
    const q = query.trim();
    if (q.length < 2) return [];
    const found = new Map<string, Member>();
    const add = (rows: Row[]): void => {
      for (const row of rows) {
        const member = this.live(row);
        if (member && !found.has(member.id) && found.size < limit) found.set(member.id, member);
      }
    };
    const byCode = /^[A-Za-z][A-Za-z0-9]{3,63}$/.test(q) ? this.findMemberByCode(q.toUpperCase()) : undefined;
    if (byCode) found.set(byCode.id, byCode);
    const contact = contactOrUndefined(q, region);
    if (contact) {
      const byContact = this.findMemberByContact(contact);
      if (byContact && !found.has(byContact.id)) found.set(byContact.id, byContact);
    }
    const like = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    if (q.includes('@')) {
      const email = q.toLowerCase();
      add(this.open.prepare('SELECT * FROM members WHERE email >= ? AND email < ? ORDER BY email LIMIT ?').all(email, `${email}\uffff`, limit) as Row[]);
      // Contains: a scan of the table, only when nothing better was found.
      if (found.size === 0 && !contact)
        add(this.open.prepare("SELECT * FROM members WHERE email LIKE ? ESCAPE '\\' ORDER BY email LIMIT ?").all(like(email), limit) as Row[]);
    } else if (/^[+\d\s().-]+$/.test(q)) {
      const digits = q.replace(/\D/g, '');
      // A whole valid number was looked up exactly above; only a part of one is searched for inside numbers.
      if (digits.length >= 3 && found.size === 0 && !contact)
        add(this.open.prepare("SELECT * FROM members WHERE phone LIKE ? ESCAPE '\\' ORDER BY phone LIMIT ?").all(like(digits), limit) as Row[]);
    } else {
      const words = searchKey(q)
        .split(/[\s-]+/)
        .filter((w) => w.length > 0);
      if (words.length > 0) {
        // Members with a word starting with each typed word, in the words' index order (the walk stops
        // at the limit): names starting with the query first, then names with a later word starting so.
        const [first, ...rest] = words;
        const others = rest.map(() => 'AND EXISTS (SELECT 1 FROM member_words x WHERE x.member_id = w.member_id AND x.word >= ? AND x.word < ?)').join(' ');
        const bounds = rest.flatMap((w) => [w, `${w}\uffff`]);
        const key = searchKey(q);
        add(
          this.open
            .prepare('SELECT * FROM members WHERE search_name >= ? AND search_name < ? ORDER BY search_name LIMIT ?')
            .all(key, `${key}\uffff`, limit) as Row[],
        );
        if (found.size < limit) {
          add(
            this.open
              .prepare(
                `SELECT m.* FROM member_words w JOIN members m ON m.id = w.member_id
            WHERE w.word >= ? AND w.word < ? ${others} ORDER BY w.word, w.member_id LIMIT ?`,
              )
              .all(first, `${first}\uffff`, ...bounds, limit * 2) as Row[],
          );
        }
      }
    }
    return [...found.values()];
  }

  /** Keeps the name's words for search. */
  private indexName(memberId: string, name: string | null): void {
    this.open.prepare('DELETE FROM member_words WHERE member_id = ?').run(memberId);
    if (name === null) return;
    const insert = this.open.prepare('INSERT OR IGNORE INTO member_words (word, member_id) VALUES (?, ?)');
    for (const word of new Set(searchKey(name).split(/[\s-]+/))) if (word.length > 0) insert.run(word, memberId);
  }

  // ---- the hub's member directory (replica) ---------------------------------------------------

  /** The highest change number of the hub's directory this kiosk has applied (0: none yet). */
  memberCursor(): number {
    return Number(this.getSetting(MEMBER_CURSOR_SETTING) ?? 0);
  }

  /**
   * Applies a page of the hub's directory and moves the cursor, in one transaction. A member this
   * kiosk has (same id) takes the hub's name, contact, number and balance; a new one is added with
   * the hub's card code. Another row of this kiosk with the same phone or e-mail is the same person
   * enrolled twice: it is merged into the hub's member (its lookups lead there, its contact moves).
   * A tombstone erases the person here too. Changes at or below the cursor are skipped.
   */
  applyMemberChanges(changes: readonly MemberChangeRow[], cursor: number, options: { locale: Member['locale']; at?: string }): { applied: number } {
    const at = options.at ?? this.now();
    return this.open
      .transaction(() => {
        const current = this.memberCursor();
        let applied = 0;
        for (const c of changes) {
          if (c.seq <= current) continue;
          applied++;
          const existing = this.open.prepare('SELECT * FROM members WHERE id = ?').get(c.id) as Row | undefined;
          if (c.erased) {
            if (existing) {
              this.open
                .prepare(
                  `UPDATE members SET name = NULL, search_name = NULL, phone = NULL, email = NULL, birthday = NULL, erased_at = ?,
              hub_no = ?, hub_points = 0, hub_stamps = 0, hub_seq = ?, hub_cards = NULL, hub_earn = NULL, updated_at = ? WHERE id = ?`,
                )
                .run(at, c.no, c.seq, at, c.id);
              this.indexName(c.id, null);
            }
            // This kiosk's own enrolments of the same person (merged into them) go too.
            for (const row of this.open.prepare('SELECT id FROM members WHERE merged_into = ? AND erased_at IS NULL').all(c.id) as Row[]) {
              this.open
                .prepare(
                  'UPDATE members SET name = NULL, search_name = NULL, phone = NULL, email = NULL, birthday = NULL, erased_at = ?, updated_at = ? WHERE id = ?',
                )
                .run(at, at, row.id);
              this.indexName(row.id as string, null);
            }
            continue;
          }
          if (c.mergedInto) {
            // The owner merged this member into another: the row stays (its card codes and id lead to
            // the survivor), blank; rows merged into it lead straight to the survivor.
            this.open.prepare('UPDATE members SET hub_no = NULL WHERE hub_no = ? AND id != ?').run(c.no, c.id);
            if (existing) {
              this.open
                .prepare(
                  `UPDATE members SET name = NULL, search_name = NULL, phone = NULL, email = NULL, merged_into = ?, hub_no = ?, hub_points = 0,
              hub_stamps = 0, hub_seq = ?, hub_cards = NULL, hub_earn = NULL, updated_at = ? WHERE id = ?`,
                )
                .run(c.mergedInto, c.no, c.seq, at, c.id);
            } else {
              this.open
                .prepare(
                  `INSERT INTO members (id, code, name, search_name, phone, email, consent_at, consent_text, locale, created_at, updated_at,
              hub_no, hub_points, hub_stamps, hub_seq, merged_into) VALUES (?, ?, NULL, NULL, NULL, NULL, ?, 'given at the hub', ?, ?, ?, ?, 0, 0, ?, ?)`,
                )
                .run(
                  c.id,
                  c.code !== null && !this.open.prepare('SELECT 1 FROM members WHERE code = ?').get(c.code) ? c.code : memberCodeFor(c.no),
                  at,
                  options.locale,
                  at,
                  at,
                  c.no,
                  c.seq,
                  c.mergedInto,
                );
            }
            this.open.prepare('UPDATE members SET merged_into = ? WHERE merged_into = ?').run(c.mergedInto, c.id);
            this.indexName(c.id, null);
            continue;
          }
          const phone = c.phone !== null && /^\+[1-9]\d{6,14}$/.test(c.phone) ? c.phone : null;
          const email = c.email === null ? null : c.email.toLowerCase();
          // The same person under another id on this kiosk (enrolled here before this kiosk knew them): merged.
          // Two statements, not one with OR: each is one lookup in its unique index.
          const mergeBy = (column: 'phone' | 'email', value: string | null): number =>
            value === null
              ? 0
              : this.open
                  .prepare(`UPDATE members SET merged_into = ?, phone = NULL, email = NULL, updated_at = ? WHERE ${column} = ? AND id != ?`)
                  .run(c.id, at, value, c.id).changes;
          const merged = mergeBy('phone', phone) + mergeBy('email', email);
          // Rows merged into a row that was merged just now lead straight to the member (one hop).
          if (merged > 0) {
            this.open.prepare('UPDATE members SET merged_into = ? WHERE merged_into IN (SELECT id FROM members WHERE merged_into = ?)').run(c.id, c.id);
          }
          const cards = c.stampsByCard === undefined ? null : JSON.stringify(c.stampsByCard);
          const earn = c.earn === undefined ? null : JSON.stringify(c.earn);
          // A hub number held by another row cannot be (the hub gives each once); free it rather than fail the page.
          this.open.prepare('UPDATE members SET hub_no = NULL WHERE hub_no = ? AND id != ?').run(c.no, c.id);
          if (existing) {
            this.open
              .prepare(
                `UPDATE members SET name = ?, search_name = ?, phone = ?, email = ?, hub_no = ?, hub_points = ?, hub_stamps = ?, hub_seq = ?,
            hub_cards = ?, hub_earn = ?, merged_into = NULL, erased_at = NULL, updated_at = ? WHERE id = ?`,
              )
              .run(c.name, c.name === null ? null : searchKey(c.name), phone, email, c.no, c.points, c.stamps, c.seq, cards, earn, at, c.id);
          } else {
            this.open
              .prepare(
                `INSERT INTO members (id, code, name, search_name, phone, email, consent_at, consent_text, locale, created_at, updated_at,
            hub_no, hub_points, hub_stamps, hub_seq, hub_cards, hub_earn) VALUES (?, ?, ?, ?, ?, ?, ?, 'given at the hub', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              )
              .run(
                c.id,
                c.code !== null && !this.open.prepare('SELECT 1 FROM members WHERE code = ?').get(c.code) ? c.code : memberCodeFor(c.no),
                c.name,
                c.name === null ? null : searchKey(c.name),
                phone,
                email,
                at,
                options.locale,
                at,
                at,
                c.no,
                c.points,
                c.stamps,
                c.seq,
                cards,
                earn,
              );
          }
          this.indexName(c.id, c.name);
        }
        this.setSetting(MEMBER_CURSOR_SETTING, Math.max(current, cursor));
        return { applied };
      })
      .immediate();
  }

  // ---- outbox -------------------------------------------------------------------------------

  /** Queues messages for the hub on their own (domain writes pass theirs to the call that writes). */
  enqueue(messages: readonly OutboxMessageInput[]): void {
    const valid = parse(outboxListSchema, messages, 'Outbox messages');
    this.open.transaction(() => this.applyOutbox(valid)).immediate();
  }

  /** Unacknowledged messages in the order they were written (so in order per member too). */
  pendingOutbox(limit = 100): OutboxMessage[] {
    return (this.open.prepare('SELECT * FROM outbox WHERE acked_at IS NULL ORDER BY seq LIMIT ?').all(limit) as Row[]).map(toOutbox);
  }

  /** Counts a delivery attempt (for back-off and for staff to see a stuck queue). */
  noteOutboxAttempt(ids: readonly string[]): void {
    const stmt = this.open.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ? AND acked_at IS NULL');
    this.open
      .transaction(() => {
        for (const id of ids) stmt.run(id);
      })
      .immediate();
  }

  /** Marks messages acknowledged by the hub; returns how many were pending. Acking twice is harmless. */
  ackOutbox(ids: readonly string[], at: string = this.now()): number {
    const stmt = this.open.prepare('UPDATE outbox SET acked_at = ? WHERE id = ? AND acked_at IS NULL');
    return this.open.transaction(() => ids.reduce((n, id) => n + stmt.run(at, id).changes, 0)).immediate();
  }

  // ---- print journal --------------------------------------------------------------------------

  /**
   * The receipt printer's journal (hardware/printer PrintJournal): documents waiting for the
   * printer, so a restart with the printer off loses no till receipt. Adding an id twice is a no-op.
   */
  printJournal(): PrintJournal {
    return {
      load: () =>
        (this.open.prepare('SELECT * FROM print_jobs ORDER BY seq').all() as Row[]).map((r) => ({
          id: r.id as string,
          saleId: r.sale_id as string,
          source: r.source as 'kiosk' | 'till',
          bytes: new Uint8Array(r.bytes as Buffer),
          statusRequests: r.status_requests as number,
          ...(r.preamble ? { preamble: new Uint8Array(r.preamble as Buffer) } : {}),
        })),
      add: (job) => {
        this.open
          .prepare(
            'INSERT INTO print_jobs (id, sale_id, source, bytes, status_requests, preamble, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
          )
          .run(job.id, job.saleId, job.source, Buffer.from(job.bytes), job.statusRequests, job.preamble ? Buffer.from(job.preamble) : null, this.now());
      },
      remove: (id) => {
        this.open.prepare('DELETE FROM print_jobs WHERE id = ?').run(id);
      },
    };
  }

  // ---- program versions ---------------------------------------------------------------------

  /**
   * Keeps program versions received from the hub (checked by the caller with parseProgramVersion).
   * A version number the hub sends again replaces the stored one: the hub is the authority.
   */
  saveProgramVersions(versions: readonly { version: number; effectiveFrom: string; document: unknown }[], at: string = this.now()): void {
    const stmt = this.open.prepare(`INSERT INTO program_versions (version, effective_from, document, received_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(version) DO UPDATE SET effective_from = excluded.effective_from, document = excluded.document, received_at = excluded.received_at
      WHERE program_versions.effective_from <> excluded.effective_from OR program_versions.document <> excluded.document`);
    this.open
      .transaction(() => {
        for (const v of versions) {
          if (!Number.isSafeInteger(v.version) || v.version < 1)
            throw new StoreInputError(`Program version ${String(v.version)} refused — versions are 1, 2, 3, ...`);
          stmt.run(v.version, v.effectiveFrom, JSON.stringify(v.document), at);
        }
      })
      .immediate();
  }

  /** Stored program versions, oldest first; documents as stored (parse them before use). */
  programVersions(): { version: number; effectiveFrom: string; document: unknown }[] {
    return (this.open.prepare('SELECT version, effective_from, document FROM program_versions ORDER BY version').all() as Row[]).map((r) => ({
      version: r.version as number,
      effectiveFrom: r.effective_from as string,
      document: JSON.parse(r.document as string) as unknown,
    }));
  }

  // ---- settings -----------------------------------------------------------------------------

  getSetting(key: string): unknown {
    const row = this.open.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
  }

  setSetting(key: string, value: unknown): void {
    if (value === undefined) throw new StoreInputError(`Setting ${key} refused — a value is required.`);
    this.open
      .prepare(
        `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(key, JSON.stringify(value), this.now());
  }

  // ---- housekeeping -------------------------------------------------------------------------

  /**
   * Runs several store calls as one transaction (each call becomes a savepoint inside it): if `fn`
   * throws, none of them is kept. For example enrolling a member and recording their first sale.
   */
  atomically<T>(fn: () => T): T {
    return this.open.transaction(fn).immediate();
  }

  counts(): StoreCounts {
    const one = (sql: string): number => (this.open.prepare(sql).get() as { n: number }).n;
    return {
      members: one('SELECT count(*) AS n FROM members'),
      sales: one('SELECT count(*) AS n FROM sales'),
      ledger: one('SELECT count(*) AS n FROM ledger'),
      refunds: one('SELECT count(*) AS n FROM refunds'),
      outboxPending: one('SELECT count(*) AS n FROM outbox WHERE acked_at IS NULL'),
      outboxAcked: one('SELECT count(*) AS n FROM outbox WHERE acked_at IS NOT NULL'),
    };
  }

  /** The schema version the file is at. */
  schemaVersion(): number {
    return this.open.pragma('user_version', { simple: true }) as number;
  }

  /** Pragmas in force, for the health check and the tests. */
  settingsInForce(): { journalMode: string; synchronous: number; foreignKeys: number; lockingMode: string; busyTimeout: number } {
    const p = (name: string): unknown => this.open.pragma(name, { simple: true });
    return {
      journalMode: String(p('journal_mode')),
      synchronous: Number(p('synchronous')),
      foreignKeys: Number(p('foreign_keys')),
      lockingMode: String(p('locking_mode')),
      busyTimeout: Number(p('busy_timeout')),
    };
  }

  /** Closes the file and lets go of the writer lock. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    removePidFile(this.dir);
  }
}
