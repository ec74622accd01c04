import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { claimDue, claimTotals, refusedClaimReversal } from '../core/claims';
import type { Money } from '../core/money';
import { hubClaimEntries } from './member-earn';
import type { LedgerEntry, Reason } from '../core/ledger/entry';
import { LoyaltyError } from '../core/ledger/errors';
import { reverseSale, type RefundRequest } from '../core/ledger/reverse';
import { DEMO_PROGRAM_DOCUMENT } from '../core/program/demo';
import { loadProgram, parseProgram, serializeProgram, type Program } from '../core/program/schema';
import type { ProgramVersion } from '../core/program/versions';
import type { ClaimAccepted, ClaimRefused, OutboxMessage, OutboxRefusal, VoucherRedemption, VoucherStanding } from '../core/sync-protocol';
import { bytesToHex, lateClaimReversalIds } from '../core/sync-protocol';
import { claimSaleKey, voucherHoldEntry, voucherHoldEntryId, voucherReleaseEntry } from '../core/tokens';
import type { MemberFact, SaleFact } from '../core/metrics';
import { memberView, type MemberView } from './member-view';
import { normalizeEmail, normalizePhone, regionForLocale } from '../core/contact';
import { noteMemberChanges } from './member-changes';
import { outboxRefusal, type KnownEntry, type OutboxCheckContext } from './outbox-check';
import { welcomedMembers } from './welcome-check';
import { connectHubDatabase, isDatabaseUnavailable, type ConnectOptions, type Engine, type HubDatabase } from './store-schema';

export { isDatabaseUnavailable } from './store-schema';

/**
 * The hub's store: one async API over Kysely on two engines — an embedded SQLite file (WAL,
 * synchronous=FULL; the default) or PostgreSQL (DATABASE_URL), shared by any number of hub
 * processes. Every write is one transaction. Ledger ids are chosen by their writer (kiosk or hub):
 * an insert that conflicts on the id does nothing, and the balances projection is updated in the
 * same transaction only when a row was really inserted. Races between hub processes are settled by
 * the database (primary keys, conditional updates, a per-sale transaction lock), never by a read
 * followed by a write.
 */

export interface Shop {
  no: number;
  id: string;
  name: string;
  privacyText: string;
  program: Program;
}
export interface Kiosk {
  no: number;
  id: string;
  shopNo: number;
  name: string;
  secret: string;
  revokedAt: string | null;
}
export interface Member {
  no: number;
  id: string;
  shopNo: number;
  name: string | null;
  phone: string | null;
  email: string | null;
}
export interface HistoryRow {
  id: string;
  kind: string;
  points: number;
  stamps: number;
  at: string;
  label: string | null;
}

/** A hub → kiosk event waiting in the kiosk's queue until the kiosk acks it. */
export type Delivery = { event: 'claimAccepted'; payload: ClaimAccepted } | { event: 'claimRefused'; payload: ClaimRefused };

export type ClaimOutcome = { ok: true; accepted: ClaimAccepted; kioskNo: number } | { ok: false; reason: 'already-claimed' | 'sale-refunded' };

/** What a syncOutbox batch came to: every message id to ack (refused ones included) and the refusals with their reason. */
export interface OutboxApplied {
  acked: string[];
  refused: OutboxRefusal[];
  /** Offline claims (saleClaimed) this batch made stand, for the hub's reward-ready message (cloud/messaging.ts afterClaim). */
  claimed?: { saleKey: string; memberId: string; entries: LedgerEntry[] }[];
  /** For each voucherRedeemed applied: whose redemption stands. */
  vouchers: VoucherStanding[];
}

/** A sale reversed at its kiosk before anyone claimed it (saleReversed). */
export interface SaleReversal {
  total: number;
  refunded: number;
  full: boolean;
}

/** Who holds a sale: the first claim of it. */
export interface ClaimRow {
  memberId: string;
  via: string;
  points: number;
  stamps: number;
}

export interface BalanceView {
  points: number;
  stamps: number;
  earned: number;
}

/** Row counts of the hub's main tables (tests, benches, the faults suite). */
export interface HubCounts {
  ledger: number;
  distinctLedgerIds: number;
  ledgerPoints: number;
  claims: number;
  members: number;
  processedMessages: number;
  deliveries: number;
}

/** Before its first publication a shop's program is version 1, in effect since always. */
export const FIRST_VERSION_START = '1970-01-01T00:00:00.000Z';
export interface StoredProgramVersion extends ProgramVersion {
  publishedAt: string;
}

/** A voucher the hub issued: 'legacy' for one issued before vouchers held their points. */
export interface StoredVoucher {
  id: string;
  memberId: string;
  rewardId: string | null;
  status: 'held' | 'redeemed' | 'released' | 'legacy';
  expiresAt: string | null;
  redemption: VoucherRedemption | undefined;
}

export interface VoucherRedeemInput {
  voucherId: string;
  redemptionId: string;
  kioskNo: number;
  at: string;
  offline: boolean;
  now: Date;
}
export type VoucherRedeemOutcome =
  | { status: 'redeemed'; redemption: VoucherRedemption; voucher: StoredVoucher; hold: LedgerEntry | null }
  | { status: 'already-redeemed'; redemption: VoucherRedemption }
  | { status: 'unknown-voucher' };

/** A voucher redeemed a second time by a kiosk that was offline: the first redemption stands, this one is for the owner to look into. */
export interface VoucherConflict {
  voucherId: string;
  rewardId: string | null;
  member: { no: number; name: string | null } | null;
  kiosk: { no: number; name: string };
  redemptionId: string;
  at: string;
  recordedAt: string;
  first: { kiosk: { no: number; name: string }; at: string };
}

/** Parses a program document for a shop, throwing with every field error (a bad document changes nothing). */
function programJson(document: unknown): string {
  const parsed = parseProgram(document);
  if (!parsed.ok) throw new Error(`program refused:\n${parsed.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return serializeProgram(parsed.program);
}

const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** PostgreSQL returns bigint (count, sum) as a string: every aggregate goes through this. */
const num = (value: unknown): number => Number(value ?? 0);

type Db = Kysely<HubDatabase>;
type LedgerRow = Selectable<HubDatabase['ledger']>;

export class HubStore {
  /** The Kysely instance (tests and benches seed and inspect through it; the hub goes through the methods). */
  readonly db: Db;
  readonly engine: Engine;
  /** The SQLite file or the PostgreSQL host/database, for the start-up line. */
  readonly where: string;

  private constructor(db: Db, engine: Engine, where: string) {
    this.db = db;
    this.engine = engine;
    this.where = where;
  }

  /** Opens (and migrates) the store: SQLite in dataDir by default, PostgreSQL when databaseUrl is given. */
  static async open(options: ConnectOptions): Promise<HubStore> {
    const connection = await connectHubDatabase(options);
    return new HubStore(connection.db, connection.engine, connection.where);
  }

  /** Closes the SQLite file or ends the PostgreSQL pool. */
  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** A round trip to the database: true when it answers. */
  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One write transaction. On SQLite the write lock is taken first (as BEGIN IMMEDIATE would), so a
   * second process on the same file waits for it (busy_timeout) instead of failing mid-transaction.
   */
  private async write<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (this.engine === 'sqlite') await sql`update settings set value = value where 0`.execute(trx);
      return work(trx);
    });
  }

  /**
   * Serialises the transactions that decide about one sale (claims, offline claims, reversals) across
   * hub processes sharing PostgreSQL, until commit. SQLite writers are serialised already.
   */
  private async lockSale(trx: Db, saleKey: string): Promise<void> {
    if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`sale:${saleKey}`}))`.execute(trx);
  }

  /** A setting, created with `make()` the first time it is asked for (the first writer wins on every node). */
  async setting(key: string, make: () => string): Promise<string> {
    const found = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    if (found) return found.value;
    await this.db
      .insertInto('settings')
      .values({ key, value: make() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value;
  }

  // ---- shops and kiosks ----------------------------------------------------------------------

  /** The first shop, created on the very first start (once, however many hub processes start together). */
  async ensureShop(name: string, privacyText: string, program: unknown = DEMO_PROGRAM_DOCUMENT): Promise<Shop> {
    const no = await this.write(async (trx) => {
      if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('hub:first-shop'))`.execute(trx);
      const existing = await trx.selectFrom('shops').select('no').orderBy('no').limit(1).executeTakeFirst();
      return existing ? existing.no : this.insertShop(trx, name, privacyText, program);
    });
    return (await this.shop(no))!;
  }

  async createShop(name: string, privacyText: string, program: unknown = DEMO_PROGRAM_DOCUMENT): Promise<Shop> {
    return (await this.shop(await this.insertShop(this.db, name, privacyText, program)))!;
  }

  private async insertShop(q: Db, name: string, privacyText: string, program: unknown): Promise<number> {
    const row = await q
      .insertInto('shops')
      .values({ id: randomUUID(), name, privacy_text: privacyText, program_json: programJson(program) })
      .returning('no')
      .executeTakeFirstOrThrow();
    return row.no;
  }

  /** Replaces a shop's program with a validated core/program document. */
  async setProgram(shopNo: number, document: unknown): Promise<void> {
    const json = programJson(document);
    await this.db.updateTable('shops').set({ program_json: json }).where('no', '=', shopNo).execute();
    this.programs.delete(shopNo);
  }

  /** Parsed programs by shop, reused while the stored document is unchanged (another node may change it). */
  private readonly programs = new Map<number, { json: string; program: Program }>();

  /**
   * The shop's program versions, oldest first. A shop that never published has one: its program,
   * as version 1 in effect since always (stored as such by its first publication).
   */
  async programVersions(shopNo: number, q: Db = this.db): Promise<StoredProgramVersion[]> {
    const rows = await q.selectFrom('program_versions').selectAll().where('shop_no', '=', shopNo).orderBy('version').execute();
    if (rows.length === 0) {
      const shop = await this.shop(shopNo, q);
      return shop ? [{ version: 1, effectiveFrom: FIRST_VERSION_START, document: shop.program, publishedAt: FIRST_VERSION_START }] : [];
    }
    return rows.map((r) => {
      // A stored version never changes: its document is parsed once.
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

  /**
   * Publishes a validated program document as the shop's next version, in effect from `effectiveFrom`.
   * Two publications at once (two hub nodes) cannot get the same number: the primary key refuses the
   * second, which is numbered again.
   */
  async publishProgram(shopNo: number, document: unknown, effectiveFrom: string, at: Date): Promise<StoredProgramVersion> {
    const json = programJson(document);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const current = await this.programVersions(shopNo, trx);
          const first = current[0];
          if (current.length === 1 && first?.publishedAt === FIRST_VERSION_START) {
            await trx
              .insertInto('program_versions')
              .values({
                shop_no: shopNo,
                version: first.version,
                effective_from: first.effectiveFrom,
                document_json: serializeProgram(first.document),
                published_at: first.publishedAt,
              })
              .onConflict((oc) => oc.doNothing())
              .execute();
          }
          const version = Math.max(0, ...current.map((v) => v.version)) + 1;
          await trx
            .insertInto('program_versions')
            .values({ shop_no: shopNo, version, effective_from: effectiveFrom, document_json: json, published_at: at.toISOString() })
            .execute();
          return { version, effectiveFrom, document: loadProgram(json), publishedAt: at.toISOString() };
        });
      } catch (error) {
        if (attempt >= 3 || isDatabaseUnavailable(error)) throw error;
      }
    }
  }

  async shop(no: number, q: Db = this.db): Promise<Shop | undefined> {
    const row = await q.selectFrom('shops').selectAll().where('no', '=', no).executeTakeFirst();
    if (!row) return undefined;
    let cached = this.programs.get(row.no);
    if (cached?.json !== row.program_json) {
      cached = { json: row.program_json, program: loadProgram(row.program_json) };
      this.programs.set(row.no, cached);
    }
    return { no: row.no, id: row.id, name: row.name, privacyText: row.privacy_text, program: cached.program };
  }

  async createPairingCode(shopNo: number, now: Date, ttlMs = 24 * 3600_000): Promise<{ code: string; expiresAt: string }> {
    const bytes = randomBytes(8);
    const code = Array.from(bytes, (b) => PAIRING_ALPHABET[b % PAIRING_ALPHABET.length]).join('');
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    await this.db.insertInto('pairing_codes').values({ code, shop_no: shopNo, created_at: now.toISOString(), expires_at: expiresAt }).execute();
    return { code, expiresAt };
  }

  /**
   * Uses a pairing code once: a new kiosk with a fresh secret, or undefined for an unknown, used or
   * expired code. The code is taken by one conditional update, so two nodes cannot both use it.
   */
  async pairKiosk(code: string, name: string, now: Date): Promise<Kiosk | undefined> {
    const id = randomUUID();
    return this.write(async (trx) => {
      const taken = await trx
        .updateTable('pairing_codes')
        .set({ used_by: id })
        .where('code', '=', code)
        .where('used_by', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .returning('shop_no')
        .executeTakeFirst();
      if (!taken) return undefined;
      await trx
        .insertInto('kiosks')
        .values({ id, shop_no: taken.shop_no, name, secret: bytesToHex(randomBytes(32)), paired_at: now.toISOString() })
        .execute();
      return this.kiosk(id, trx);
    });
  }

  async kiosk(id: string, q: Db = this.db): Promise<Kiosk | undefined> {
    const row = await q.selectFrom('kiosks').select(['no', 'id', 'shop_no', 'name', 'secret', 'revoked_at']).where('id', '=', id).executeTakeFirst();
    return row && { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, secret: row.secret, revokedAt: row.revoked_at };
  }

  async kioskByNo(no: number): Promise<Kiosk | undefined> {
    const row = await this.db.selectFrom('kiosks').select(['no', 'id', 'shop_no', 'name', 'secret', 'revoked_at']).where('no', '=', no).executeTakeFirst();
    return row && { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, secret: row.secret, revokedAt: row.revoked_at };
  }

  async revokeKiosk(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('kiosks')
      .set({ revoked_at: now.toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  // ---- members -------------------------------------------------------------------------------

  /** A member by id, or by a kiosk's id that was merged into them (member_aliases). */
  async member(id: string, q: Db = this.db, hops = 0): Promise<Member | undefined> {
    const row = await q.selectFrom('members').select(['no', 'id', 'shop_no', 'name', 'phone', 'email', 'merged_into']).where('id', '=', id).executeTakeFirst();
    // A member the owner merged into another is that member (old cookies and card codes keep working).
    if (row?.merged_into) return hops < 5 ? this.member(row.merged_into, q, hops + 1) : undefined;
    if (row) return { no: row.no, id: row.id, shopNo: row.shop_no, name: row.name, phone: row.phone, email: row.email };
    const alias = await q.selectFrom('member_aliases').select('member_id').where('alias_id', '=', id).executeTakeFirst();
    return alias && alias.member_id !== id ? this.member(alias.member_id, q) : undefined;
  }

  /** The canonical member id of each of `ids` that is an alias (a second enrolment of a known person). */
  private async aliasesOf(trx: Db, ids: Iterable<string>): Promise<Map<string, string>> {
    const list = [...new Set(ids)];
    const map = new Map<string, string>();
    for (const part of chunks(list, 500)) {
      const rows = await trx.selectFrom('member_aliases').select(['alias_id', 'member_id']).where('alias_id', 'in', part).execute();
      for (const row of rows) map.set(row.alias_id, row.member_id);
    }
    return map;
  }

  /** Entries written by a kiosk for an id merged into another member are that member's. */
  private async canonicalEntries(trx: Db, entries: LedgerEntry[]): Promise<LedgerEntry[]> {
    if (entries.length === 0) return entries;
    const aliases = await this.aliasesOf(
      trx,
      entries.map((e) => e.memberId),
    );
    return aliases.size === 0 ? entries : entries.map((e) => (aliases.has(e.memberId) ? { ...e, memberId: aliases.get(e.memberId)! } : e));
  }

  async memberByContact(shopNo: number, contact: { phone: string | null; email: string | null }, q: Db = this.db): Promise<Member | undefined> {
    let query = q.selectFrom('members').select('id').where('shop_no', '=', shopNo);
    if (contact.phone) query = query.where('phone', '=', contact.phone);
    else if (contact.email) query = query.where('email', '=', contact.email);
    else return undefined;
    const row = await query.executeTakeFirst();
    return row && this.member(row.id, q);
  }

  /**
   * Joins a member (or finds the one with this id or phone/e-mail in this shop); `created` is false when found.
   * `fillName: false` leaves a found member as it is (a phone typing someone's contact proves nothing).
   */
  async joinMember(shopNo: number, input: MemberInput, now: Date, options: { fillName?: boolean } = {}): Promise<Member & { created: boolean }> {
    return this.write(async (trx) => {
      const member = await this.joinIn(trx, shopNo, input, now, options.fillName ?? true);
      await noteMemberChanges(trx, this.engine, [member.id], now);
      return member;
    });
  }

  /**
   * The insert conflicts (id, or the shop's phone/e-mail unique index) when the member exists, also
   * when another node joined them a moment ago: then the existing member is returned.
   */
  private async joinIn(trx: Db, shopNo: number, input: MemberInput, now: Date, fillName = true): Promise<Member & { created: boolean }> {
    const id = input.id ?? randomUUID();
    const inserted = await trx
      .insertInto('members')
      .values({
        id,
        shop_no: shopNo,
        name: input.name,
        phone: input.phone,
        email: input.email,
        consent_at: input.consentAt,
        consent_text: input.consentText,
        created_at: now.toISOString(),
        code: input.code ?? null,
        birthday: input.birthday ?? null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 1n) return { ...(await this.member(id, trx))!, created: true };
    const byId = input.id ? await this.member(input.id, trx) : undefined;
    if (byId) return { ...byId, created: false };
    const found = await this.memberByContact(shopNo, input, trx);
    if (!found) throw new Error(`member ${id} neither inserted nor found by contact`);
    if (fillName && input.name && !found.name) {
      await trx.updateTable('members').set({ name: input.name }).where('id', '=', found.id).where('name', 'is', null).execute();
      return { ...(await this.member(found.id, trx))!, created: false };
    }
    return { ...found, created: false };
  }

  /** The balances projection kept with every insert (fast counts for tests and the owner). */
  async balance(memberId: string): Promise<BalanceView> {
    const row = await this.db.selectFrom('balances').select(['points', 'stamps', 'earned']).where('member_id', '=', memberId).executeTakeFirst();
    return row ? { points: num(row.points), stamps: num(row.stamps), earned: num(row.earned) } : { points: 0, stamps: 0, earned: 0 };
  }

  /** Every ledger entry of a member, oldest first. */
  async entries(memberId: string, q: Db = this.db): Promise<LedgerEntry[]> {
    return (await q.selectFrom('ledger').selectAll().where('member_id', '=', memberId).orderBy('at').orderBy('seq').execute()).map(toEntry);
  }

  /** Every ledger entry of a sale in the order they were written. */
  async saleEntries(saleId: string, q: Db = this.db): Promise<LedgerEntry[]> {
    return (await q.selectFrom('ledger').selectAll().where('sale_id', '=', saleId).orderBy('seq').execute()).map(toEntry);
  }

  /** The member card: balance, stamps, tier, progress and rewards from the core projections. */
  async memberView(member: Member, at: Date): Promise<MemberView> {
    const [shop, entries] = await Promise.all([this.shop(member.shopNo), this.entries(member.id)]);
    return memberView(shop!.program, member.id, entries, at);
  }

  async saleReversal(saleKey: string, q: Db = this.db): Promise<SaleReversal | undefined> {
    const row = await q.selectFrom('sale_reversals').select(['total', 'refunded', 'full_refund']).where('sale_key', '=', saleKey).executeTakeFirst();
    return row && { total: row.total, refunded: row.refunded, full: row.full_refund === 1 };
  }

  /** The first claim of a sale, if any. */
  async claimOf(saleKey: string, q: Db = this.db): Promise<ClaimRow | undefined> {
    const row = await q.selectFrom('claims').select(['member_id', 'via', 'points', 'stamps']).where('sale_key', '=', saleKey).executeTakeFirst();
    return row && { memberId: row.member_id, via: row.via, points: row.points, stamps: row.stamps };
  }

  /**
   * What a sale's QR still pays: nothing after a full refund or void (undefined), the token's points
   * and stamps less the refunded share (floor, the rule of core/ledger/reverse) after a partial one.
   */
  async claimable(saleKey: string, points: number, stamps: number, q: Db = this.db): Promise<{ points: number; stamps: number } | undefined> {
    return claimDue(points, stamps, await this.saleReversal(saleKey, q));
  }

  async history(memberId: string, limit = 20): Promise<HistoryRow[]> {
    const rows = await this.db
      .selectFrom('ledger')
      .select(['id', 'kind', 'points', 'stamps', 'at', 'reason_json'])
      .where('member_id', '=', memberId)
      .orderBy('at', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      points: r.points,
      stamps: r.stamps,
      at: r.at,
      label: (JSON.parse(r.reason_json) as { label?: string }).label ?? null,
    }));
  }

  // ---- vouchers ------------------------------------------------------------------------------

  /**
   * Issues a voucher: the voucher row and its hold (the reward's cost, debited at once: core/tokens
   * `voucherHoldEntry`) in one transaction, through the one ledger writer. Refused, with nothing
   * written, when the member's balance (points, or stamps on the reward's card) does not cover it at
   * that moment — also against a second voucher asked for at the same time on another node.
   */
  async issueVoucher(input: {
    voucherId: string;
    member: Member;
    rewardKey: number;
    costPoints: number;
    costStamps: number;
    expiresAt: Date;
    now: Date;
  }): Promise<{ ok: true; hold: LedgerEntry; rewardName: string } | { ok: false; reason: 'insufficient' | 'unknown-reward' }> {
    return this.write(async (trx) => {
      if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`member:${input.member.id}`}))`.execute(trx);
      const program = (await this.shop(input.member.shopNo, trx))!.program;
      const view = memberView(program, input.member.id, await this.entries(input.member.id, trx), input.now);
      const reward = view.rewards.find((r) => r.rewardKey === input.rewardKey);
      if (!reward) return { ok: false, reason: 'unknown-reward' } as const;
      if (!reward.affordable || reward.costPoints !== input.costPoints || reward.costStamps !== input.costStamps) {
        return { ok: false, reason: 'insufficient' } as const;
      }
      const card = 'card' in reward.reward.cost ? reward.reward.cost.card : undefined;
      const hold = voucherHoldEntry(
        { voucherId: input.voucherId, costPoints: input.costPoints, costStamps: input.costStamps, expiresAt: input.expiresAt },
        input.member.id,
        { ruleId: card ?? reward.reward.id, label: reward.reward.name },
      );
      await trx
        .insertInto('vouchers')
        .values({
          id: input.voucherId,
          member_id: input.member.id,
          reward_key: input.rewardKey,
          reward_id: reward.reward.id,
          created_at: input.now.toISOString(),
          cost_points: input.costPoints,
          cost_stamps: input.costStamps,
          expires_at: input.expiresAt.toISOString(),
          status: 'held',
        })
        .execute();
      await this.insertEntry(trx, hold, null);
      return { ok: true, hold, rewardName: reward.reward.name } as const;
    });
  }

  /** A voucher the hub issued, with its redemption if it has one. */
  async voucher(voucherId: string, q: Db = this.db): Promise<StoredVoucher | undefined> {
    const row = await q.selectFrom('vouchers').selectAll().where('id', '=', voucherId).executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      memberId: row.member_id,
      rewardId: row.reward_id,
      status: (row.status ?? 'legacy') as StoredVoucher['status'],
      expiresAt: row.expires_at,
      redemption: await this.voucherRedemption(voucherId, q),
    };
  }

  private async voucherRedemption(voucherId: string, q: Db): Promise<VoucherRedemption | undefined> {
    const row = await q
      .selectFrom('voucher_redemptions as r')
      .leftJoin('kiosks as k', 'k.no', 'r.kiosk_no')
      .select(['r.voucher_id', 'r.redemption_id', 'r.kiosk_no', 'r.at', 'k.name'])
      .where('r.voucher_id', '=', voucherId)
      .executeTakeFirst();
    return row && { voucherId: row.voucher_id, redemptionId: row.redemption_id, kioskNo: row.kiosk_no, kioskName: row.name ?? `#${row.kiosk_no}`, at: row.at };
  }

  /**
   * Redeems a voucher once in the whole shop: the first redemption row of a voucher id stands (primary
   * key, so two kiosks on two hub nodes at the same moment get one winner). The same kiosk asking
   * again with the same redemption id is a retry and gets `redeemed` again. A later redemption by a
   * kiosk that was offline (`offline`) is recorded as a conflict for the owner. A voucher whose points
   * were already given back (it expired unredeemed) has them held again: the reward was handed over.
   */
  async redeemVoucherOnce(input: VoucherRedeemInput): Promise<VoucherRedeemOutcome> {
    return this.write((trx) => this.redeemVoucherIn(trx, input));
  }

  private async redeemVoucherIn(trx: Db, input: VoucherRedeemInput): Promise<VoucherRedeemOutcome> {
    const voucher = await this.voucher(input.voucherId, trx);
    if (!voucher) return { status: 'unknown-voucher' } as const;
    const recordedAt = input.now.toISOString();
    const taken =
      (
        await trx
          .insertInto('voucher_redemptions')
          .values({ voucher_id: input.voucherId, redemption_id: input.redemptionId, kiosk_no: input.kioskNo, at: input.at, recorded_at: recordedAt })
          .onConflict((oc) => oc.column('voucher_id').doNothing())
          .executeTakeFirst()
      ).numInsertedOrUpdatedRows === 1n;
    const redemption = (await this.voucherRedemption(input.voucherId, trx))!;
    const holdRow = await trx.selectFrom('ledger').selectAll().where('id', '=', voucherHoldEntryId(input.voucherId)).executeTakeFirst();
    const hold = holdRow ? toEntry(holdRow) : null;
    if (!taken) {
      if (redemption.kioskNo === input.kioskNo && redemption.redemptionId === input.redemptionId) {
        return { status: 'redeemed', redemption, voucher: { ...voucher, status: 'redeemed', redemption }, hold } as const;
      }
      if (input.offline) {
        await trx
          .insertInto('voucher_conflicts')
          .values({ voucher_id: input.voucherId, redemption_id: input.redemptionId, kiosk_no: input.kioskNo, at: input.at, recorded_at: recordedAt })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      return { status: 'already-redeemed', redemption } as const;
    }
    if (voucher.status === 'released' && hold) {
      await this.insertEntry(trx, { ...hold, id: `${hold.id}:again`, at: recordedAt }, input.kioskNo);
    }
    if (voucher.status !== 'legacy') await trx.updateTable('vouchers').set({ status: 'redeemed' }).where('id', '=', input.voucherId).execute();
    return { status: 'redeemed', redemption, voucher: { ...voucher, status: 'redeemed', redemption }, hold } as const;
  }

  /**
   * Gives back the points of vouchers that expired unredeemed (`voucher-release:<id>`, the reversal of
   * the hold), each in its own transaction; a conditional update makes every voucher released once,
   * whichever node sweeps. `memberId` limits the sweep to one member (their card is being shown).
   */
  async releaseExpiredVouchers(now: Date, memberId?: string): Promise<number> {
    let query = this.db.selectFrom('vouchers').select('id').where('status', '=', 'held').where('expires_at', '<=', now.toISOString());
    if (memberId !== undefined) query = query.where('member_id', '=', memberId);
    let released = 0;
    for (const { id } of await query.limit(500).execute()) {
      released += await this.write(async (trx) => {
        const unredeemed = await trx.selectFrom('voucher_redemptions').select('voucher_id').where('voucher_id', '=', id).executeTakeFirst();
        if (unredeemed) return 0;
        const changed = await trx.updateTable('vouchers').set({ status: 'released' }).where('id', '=', id).where('status', '=', 'held').executeTakeFirst();
        if (changed.numUpdatedRows !== 1n) return 0;
        const holdRow = await trx.selectFrom('ledger').selectAll().where('id', '=', voucherHoldEntryId(id)).executeTakeFirst();
        if (holdRow) await this.insertEntry(trx, voucherReleaseEntry(toEntry(holdRow), now, 'expired'), null);
        return 1;
      });
    }
    return released;
  }

  // ---- expiry ----------------------------------------------------------------------------------

  /**
   * Members of `shopNo` who may have points due to expire: a positive balance and points earned at
   * or before `earnedBefore` (the caller gives a day or so of slack; core decides exactly).
   */
  async expiryCandidates(shopNo: number, earnedBefore: Date): Promise<string[]> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('balances as b', 'b.member_id', 'm.id')
      .select('m.id')
      .where('m.shop_no', '=', shopNo)
      .where('b.points', '>', 0)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('ledger as l')
            .select('l.id')
            .whereRef('l.member_id', '=', 'm.id')
            .where('l.points', '>', 0)
            .where('l.at', '<=', earnedBefore.toISOString()),
        ),
      )
      .orderBy('m.no')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Writes the expiry entry `decide` derives from the member's entries read inside the transaction
   * (core/ledger/expiry expiryEntry), through the one ledger writer. The member's entries are read
   * under the member's lock (PostgreSQL; SQLite serialises writers), so two nodes or two runs at once
   * see each other's entry and the second finds nothing due: the balance drops once.
   */
  async writeExpiry(memberId: string, decide: (entries: LedgerEntry[]) => LedgerEntry | null): Promise<LedgerEntry | null> {
    return this.write(async (trx) => {
      if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`member:${memberId}`}))`.execute(trx);
      const entry = decide(await this.entries(memberId, trx));
      if (entry === null) return null;
      return (await this.insertEntry(trx, entry, null)) ? entry : null;
    });
  }

  /** Vouchers redeemed again by a kiosk that was offline, newest first, with the redemption that stands. */
  async voucherConflicts(shopNo: number, limit = 100): Promise<VoucherConflict[]> {
    const rows = await this.db
      .selectFrom('voucher_conflicts as c')
      .innerJoin('kiosks as k', 'k.no', 'c.kiosk_no')
      .innerJoin('voucher_redemptions as r', 'r.voucher_id', 'c.voucher_id')
      .innerJoin('kiosks as w', 'w.no', 'r.kiosk_no')
      .leftJoin('vouchers as v', 'v.id', 'c.voucher_id')
      .leftJoin('members as m', 'm.id', 'v.member_id')
      .select([
        'c.voucher_id',
        'c.redemption_id',
        'c.kiosk_no',
        'k.name as kiosk_name',
        'c.at',
        'c.recorded_at',
        'r.kiosk_no as first_kiosk_no',
        'w.name as first_kiosk_name',
        'r.at as first_at',
        'v.reward_id',
        'm.name as member_name',
        'm.no as member_no',
      ])
      .where('k.shop_no', '=', shopNo)
      .orderBy('c.seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      voucherId: r.voucher_id,
      rewardId: r.reward_id ?? null,
      member: r.member_no === null ? null : { no: r.member_no, name: r.member_name },
      kiosk: { no: r.kiosk_no, name: r.kiosk_name },
      redemptionId: r.redemption_id,
      at: r.at,
      recordedAt: r.recorded_at,
      first: { kiosk: { no: r.first_kiosk_no, name: r.first_kiosk_name }, at: r.first_at },
    }));
  }

  // ---- ledger --------------------------------------------------------------------------------

  /** Inserts an entry unless its id exists; updates the balance only when it was really inserted. */
  private async insertEntry(trx: Db, given: LedgerEntry, kioskNo: number | null): Promise<boolean> {
    const [entry] = (await this.canonicalEntries(trx, [given])) as [LedgerEntry];
    const result = await trx
      .insertInto('ledger')
      .values(ledgerRow(entry, kioskNo))
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    const inserted = result.numInsertedOrUpdatedRows === 1n;
    if (inserted) {
      await this.addToBalances(trx, [{ member_id: entry.memberId, points: entry.points, stamps: entry.stamps, earned: earnedBy(entry), entries: 1 }]);
      await noteMemberChanges(trx, this.engine, [entry.memberId], new Date(entry.at));
    }
    return inserted;
  }

  /** Writes a run of sales, till claims and ledger entries with a few multi-row inserts, then empties it. */
  private async flush(trx: Db, run: BulkRun, kioskNo: number): Promise<void> {
    const aliases = await this.aliasesOf(trx, [...run.sales.flatMap((s) => (s.member_id ? [s.member_id] : [])), ...run.claims.map((c) => c.member_id)]);
    for (const row of [...run.sales, ...run.claims]) {
      if (row.member_id && aliases.has(row.member_id)) row.member_id = aliases.get(row.member_id)!;
    }
    for (const part of chunks(run.sales, 1000))
      await trx
        .insertInto('sales')
        .values(part)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    for (const part of chunks(run.claims, 1000)) {
      await trx
        .insertInto('claims')
        .values(part)
        .onConflict((oc) => oc.column('sale_key').doNothing())
        .execute();
    }
    await this.insertEntries(trx, run.entries, kioskNo);
    run.sales = [];
    run.claims = [];
    run.entries = [];
  }

  /**
   * insertEntry for many: the entries whose id is new are inserted (in order), and each member's
   * balance is moved once by the sum of what was really inserted (one row per member per statement).
   */
  private async insertEntries(trx: Db, given: LedgerEntry[], kioskNo: number | null): Promise<void> {
    const entries = await this.canonicalEntries(trx, given);
    for (const part of chunks(entries, 1000)) {
      const inserted = await trx
        .insertInto('ledger')
        .values(part.map((entry) => ledgerRow(entry, kioskNo)))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning(['member_id', 'kind', 'points', 'stamps'])
        .execute();
      const byMember = new Map<string, { member_id: string; points: number; stamps: number; earned: number; entries: number }>();
      for (const row of inserted) {
        const sum = byMember.get(row.member_id) ?? { member_id: row.member_id, points: 0, stamps: 0, earned: 0, entries: 0 };
        sum.points += row.points;
        sum.stamps += row.stamps;
        sum.earned += earnedBy(row);
        sum.entries += 1;
        byMember.set(row.member_id, sum);
      }
      if (byMember.size > 0) {
        await this.addToBalances(trx, [...byMember.values()]);
        await noteMemberChanges(trx, this.engine, byMember.keys(), new Date(part[part.length - 1]!.at));
      }
    }
  }

  private async addToBalances(trx: Db, rows: { member_id: string; points: number; stamps: number; earned: number; entries: number }[]): Promise<void> {
    await trx
      .insertInto('balances')
      .values(rows)
      .onConflict((oc) =>
        oc.column('member_id').doUpdateSet((eb) => ({
          points: eb('balances.points', '+', eb.ref('excluded.points')),
          stamps: eb('balances.stamps', '+', eb.ref('excluded.stamps')),
          earned: eb('balances.earned', '+', eb.ref('excluded.earned')),
          entries: eb('balances.entries', '+', eb.ref('excluded.entries')),
        })),
      )
      .execute();
  }

  async ledgerCount(filter: { kioskNo?: number } = {}): Promise<number> {
    let query = this.db.selectFrom('ledger').select((eb) => eb.fn.countAll().as('n'));
    if (filter.kioskNo !== undefined) query = query.where('kiosk_no', '=', filter.kioskNo);
    return num((await query.executeTakeFirstOrThrow()).n);
  }

  async counts(): Promise<HubCounts> {
    const count = (table: 'claims' | 'members' | 'processed_messages' | 'deliveries') =>
      this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => num(r.n));
    const ledger = await this.db
      .selectFrom('ledger')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.count('id').distinct().as('d'), eb.fn.sum('points').as('p')])
      .executeTakeFirstOrThrow();
    return {
      ledger: num(ledger.n),
      distinctLedgerIds: num(ledger.d),
      ledgerPoints: num(ledger.p),
      claims: await count('claims'),
      members: await count('members'),
      processedMessages: await count('processed_messages'),
      deliveries: await count('deliveries'),
    };
  }

  /**
   * Applies one syncOutbox batch in one transaction, in order. A message id seen before is a no-op
   * (it is acked again): the batch's processed_messages rows are inserted first and only the ones
   * really inserted are applied, so a batch applied by two nodes at once is applied once. Runs of
   * saleCreated / ledgerAppended are written as multi-row inserts (a few statements per batch, not
   * per message: on PostgreSQL every statement is a network round trip); a message that reads what
   * was written before it (memberEnrolled, saleReversed, saleClaimed) first flushes that run.
   */
  async applyOutbox(kiosk: Kiosk, messages: OutboxMessage[], now: Date): Promise<OutboxApplied> {
    return this.write(async (trx) => {
      const fresh = new Set<string>();
      for (const part of chunks(messages, 500)) {
        const rows = await trx
          .insertInto('processed_messages')
          .values(part.map((m) => ({ id: m.id, kiosk_no: kiosk.no, at: now.toISOString() })))
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .execute();
        for (const row of rows) fresh.add(row.id);
      }
      // A message refused before and sent again is acked again with the same refusal (the kiosk may have missed the first ack).
      const refused: OutboxRefusal[] = [];
      const vouchers: VoucherStanding[] = [];
      const seen = messages.filter((m) => !fresh.has(m.id)).map((m) => m.id);
      for (const part of chunks(seen, 500)) {
        const rows = await trx
          .selectFrom('kiosk_refusals')
          .select(['message_id', 'reason'])
          .where('kiosk_no', '=', kiosk.no)
          .where('message_id', 'in', part)
          .execute();
        for (const row of rows) refused.push({ id: row.message_id, reason: row.reason });
      }
      const check = await this.checkContext(
        trx,
        kiosk,
        messages.filter((m) => fresh.has(m.id)),
      );
      const run = new BulkRun();
      const claimed: NonNullable<OutboxApplied['claimed']> = [];
      for (const message of messages) {
        // A message id twice in one batch is applied once.
        if (!fresh.delete(message.id)) continue;
        const reason = outboxRefusal(check.context, message);
        if (reason !== undefined) {
          // Refused for good: recorded per kiosk, acked (so the kiosk stops sending it) and reported in the ack.
          await trx
            .insertInto('kiosk_refusals')
            .values({ message_id: message.id, kiosk_no: kiosk.no, type: message.type, reason, at: now.toISOString() })
            .onConflict((oc) => oc.column('message_id').doNothing())
            .execute();
          refused.push({ id: message.id, reason });
          continue;
        }
        check.accepted(message);
        switch (message.type) {
          case 'saleCreated': {
            const p = message.payload;
            run.sales.push({
              id: p.saleId,
              kiosk_no: kiosk.no,
              sale_no: p.saleNo,
              amount: p.total.amount,
              currency: p.total.currency,
              points: p.points,
              member_id: p.memberId,
              at: message.at,
            });
            // The member was attached at the till: the sale is taken, its receipt QR can no longer be claimed.
            if (p.memberId) {
              run.claims.push({
                sale_key: `K${kiosk.no}-S${p.saleNo}`,
                kiosk_no: kiosk.no,
                sale_no: p.saleNo,
                member_id: p.memberId,
                via: 'till',
                points: p.points,
                stamps: p.stamps,
                at: message.at,
              });
            }
            for (const entry of p.entries) run.entries.push(entry);
            break;
          }
          case 'ledgerAppended':
            for (const entry of message.payload.entries) run.entries.push(entry);
            break;
          case 'memberEnrolled': {
            await this.flush(trx, run, kiosk.no);
            const p = message.payload;
            const region = regionForLocale((await this.shop(kiosk.shopNo, trx))!.program.locale);
            // One person, one member: the contact as the hub keeps it (a kiosk of an older version may send it as typed).
            const member = await this.joinIn(
              trx,
              kiosk.shopNo,
              {
                id: p.id,
                name: p.name,
                phone: p.phone === null ? null : normalised(() => normalizePhone(p.phone!, region), p.phone),
                email: p.email === null ? null : normalised(() => normalizeEmail(p.email!), p.email),
                consentAt: p.consentAt,
                consentText: null,
                code: p.code ?? null,
              },
              now,
            );
            if (member.id !== p.id) {
              // The kiosk enrolled someone the hub already had (offline, or before its replica knew them): its id
              // becomes an alias, and every entry it sends for that id is the existing member's.
              await trx
                .insertInto('member_aliases')
                .values({ alias_id: p.id, member_id: member.id, kiosk_no: kiosk.no, at: now.toISOString() })
                .onConflict((oc) => oc.column('alias_id').doNothing())
                .execute();
            }
            await noteMemberChanges(trx, this.engine, [member.id], now);
            break;
          }
          case 'saleReversed': {
            await this.flush(trx, run, kiosk.no);
            // A kiosk reverses only its own sales: the key comes from the kiosk's number, not the payload.
            const p = message.payload;
            const saleKey = claimSaleKey({ kioskNo: kiosk.no, saleNo: p.saleNo });
            await this.lockSale(trx, saleKey);
            const before = (await this.saleReversal(saleKey, trx))?.refunded ?? 0;
            await trx
              .insertInto('sale_reversals')
              .values({
                sale_key: saleKey,
                kiosk_no: kiosk.no,
                total: p.total.amount,
                refunded: p.refunded.amount,
                full_refund: p.full ? 1 : 0,
                at: message.at,
              })
              .onConflict((oc) =>
                oc.column('sale_key').doUpdateSet((eb) => ({
                  refunded: eb
                    .case()
                    .when('excluded.refunded', '>', eb.ref('sale_reversals.refunded'))
                    .then(eb.ref('excluded.refunded'))
                    .else(eb.ref('sale_reversals.refunded'))
                    .end(),
                  full_refund: eb
                    .case()
                    .when('excluded.full_refund', '>', eb.ref('sale_reversals.full_refund'))
                    .then(eb.ref('excluded.full_refund'))
                    .else(eb.ref('sale_reversals.full_refund'))
                    .end(),
                  at: eb.ref('excluded.at'),
                })),
              )
              .execute();
            // The hub accepted a claim of this sale the kiosk had not heard of when it reversed it: take back here.
            const claimed = await this.claimOf(saleKey, trx);
            if (claimed && claimed.via !== 'till' && claimed.via !== 'offline' && p.refunded.amount > before) {
              await this.reverseHubClaim(
                trx,
                saleKey,
                claimed.memberId,
                p.full ? 'full' : { amount: p.refunded.amount - before, currency: p.total.currency },
                p.refunded.amount,
                kiosk.no,
                now,
              );
            }
            break;
          }
          case 'saleClaimed':
            await this.flush(trx, run, kiosk.no);
            if (await this.applyOfflineClaim(trx, kiosk, message.payload, message.at, now))
              claimed.push({
                saleKey: claimSaleKey({ kioskNo: kiosk.no, saleNo: message.payload.saleNo }),
                memberId: message.payload.memberId,
                entries: message.payload.entries,
              });
            break;
          case 'voucherRedeemed': {
            await this.flush(trx, run, kiosk.no);
            // Redeemed while the hub could not be asked: the first redemption stands, a later one is a conflict.
            const voucher = await this.voucher(message.payload.voucherId, trx);
            const owner = voucher && (await this.member(voucher.memberId, trx));
            if (owner?.shopNo !== kiosk.shopNo) break; // not a voucher of this kiosk's shop: nothing to record
            const outcome = await this.redeemVoucherIn(trx, {
              voucherId: message.payload.voucherId,
              redemptionId: message.payload.redemptionId,
              kioskNo: kiosk.no,
              at: message.at,
              offline: true,
              now,
            });
            if (outcome.status !== 'unknown-voucher') {
              const r = outcome.redemption;
              const stands = r.kioskNo === kiosk.no && r.redemptionId === message.payload.redemptionId;
              vouchers.push({ voucherId: r.voucherId, redemptionId: message.payload.redemptionId, stands, kioskName: r.kioskName, at: r.at });
            }
            break;
          }
        }
      }
      await this.flush(trx, run, kiosk.no);
      return { acked: messages.map((m) => m.id), refused, claimed, vouchers };
    });
  }

  /**
   * What outboxRefusal needs about a batch, looked up in a few queries: the shop's program versions,
   * the members and ledger entries the batch names (and reversals already made of them), the kiosk's
   * own sale reports. `accepted` adds what an accepted message brings, for the messages after it.
   */
  private async checkContext(trx: Db, kiosk: Kiosk, messages: OutboxMessage[]): Promise<{ context: OutboxCheckContext; accepted(m: OutboxMessage): void }> {
    const memberIds = new Set<string>();
    const entryIds = new Set<string>();
    const saleKeys = new Set<string>();
    const ledgerOf = (m: OutboxMessage): LedgerEntry[] =>
      m.type === 'saleCreated' || m.type === 'saleClaimed' || m.type === 'ledgerAppended' ? m.payload.entries : [];
    for (const m of messages) {
      if (m.type === 'saleCreated' && m.payload.memberId) memberIds.add(m.payload.memberId);
      if (m.type === 'saleClaimed') {
        memberIds.add(m.payload.memberId);
        saleKeys.add(m.payload.saleId);
      }
      for (const e of ledgerOf(m)) {
        memberIds.add(e.memberId);
        if (e.reverses) entryIds.add(e.reverses);
      }
    }
    const members = new Set<string>();
    for (const part of chunks([...memberIds], 500)) {
      for (const row of await trx.selectFrom('members').select('id').where('shop_no', '=', kiosk.shopNo).where('id', 'in', part).execute()) members.add(row.id);
    }
    const entries = new Map<string, KnownEntry>();
    const reversed = new Map<string, { points: number; stamps: number }>();
    for (const part of chunks([...entryIds], 500)) {
      for (const row of await trx.selectFrom('ledger').select(['id', 'member_id', 'sale_id', 'points', 'stamps']).where('id', 'in', part).execute()) {
        entries.set(row.id, { memberId: row.member_id, saleId: row.sale_id, points: row.points, stamps: row.stamps });
      }
      const sums = await trx
        .selectFrom('ledger')
        .select((eb) => ['reverses', eb.fn.sum<number>('points').as('p'), eb.fn.sum<number>('stamps').as('s')])
        .where('reverses', 'in', part)
        .groupBy('reverses')
        .execute();
      for (const row of sums) reversed.set(row.reverses!, { points: num(row.p), stamps: num(row.s) });
    }
    const sales = new Map<string, { points: number }>();
    for (const part of chunks([...saleKeys], 500)) {
      for (const row of await trx.selectFrom('sales').select(['id', 'points']).where('kiosk_no', '=', kiosk.no).where('id', 'in', part).execute()) {
        sales.set(row.id, { points: row.points });
      }
    }
    const versions = await this.programVersions(kiosk.shopNo, trx);
    const welcomed = await welcomedMembers(trx, memberIds); // one welcome per member (cloud/welcome-check.ts)
    const context: OutboxCheckContext = {
      kioskNo: kiosk.no,
      kioskId: kiosk.id,
      versions,
      knownMember: (id) => members.has(id),
      entry: (id) => entries.get(id),
      reversed: (id) => reversed.get(id) ?? { points: 0, stamps: 0 },
      sale: (key) => sales.get(key),
      welcomed: (id) => welcomed.has(id),
    };
    return {
      context,
      accepted(m) {
        if (m.type === 'memberEnrolled') members.add(m.payload.id);
        if (m.type === 'saleCreated') sales.set(m.payload.saleId, { points: m.payload.points });
        for (const e of ledgerOf(m)) if (e.kind === 'bonus' && e.reason.code === 'welcome') welcomed.add(e.memberId);
        for (const e of ledgerOf(m)) {
          if (!entries.has(e.id)) entries.set(e.id, { memberId: e.memberId, saleId: e.saleId, points: e.points, stamps: e.stamps });
          if (e.reverses) {
            const sum = reversed.get(e.reverses) ?? { points: 0, stamps: 0 };
            reversed.set(e.reverses, { points: sum.points + e.points, stamps: sum.stamps + e.stamps });
          }
        }
      },
    };
  }

  /** Outbox messages refused from one kiosk (or all), newest first: the owner's and the tests' view of what the hub would not derive. */
  async kioskRefusals(kioskNo?: number): Promise<{ messageId: string; kioskNo: number; type: string; reason: string; at: string }[]> {
    let query = this.db.selectFrom('kiosk_refusals').selectAll().orderBy('at', 'desc');
    if (kioskNo !== undefined) query = query.where('kiosk_no', '=', kioskNo);
    return (await query.execute()).map((r) => ({ messageId: r.message_id, kioskNo: r.kiosk_no, type: r.type, reason: r.reason, at: r.at }));
  }

  /**
   * A staff claim the kiosk made while the hub was down. The first claim of a sale wins: if nobody
   * has claimed it, it is this member's (claims row + the kiosk's entry, same id on both sides); if a
   * phone (or anyone) came first, the kiosk's entry is written and taken back at once
   * (`refusedClaimReversal`), and the kiosk is sent `claimRefused` with every row of the sale.
   */
  /** True when this claim now stands for its member (first time here); false when it was already there or someone else had it. */
  private async applyOfflineClaim(
    trx: Db,
    kiosk: Kiosk,
    p: Extract<OutboxMessage, { type: 'saleClaimed' }>['payload'],
    at: string,
    now: Date,
  ): Promise<boolean> {
    // A kiosk claims only its own sales: the key comes from the kiosk's number, not the payload.
    // Checked by outboxRefusal before this runs.
    const saleKey = claimSaleKey({ kioskNo: kiosk.no, saleNo: p.saleNo });
    await this.lockSale(trx, saleKey);
    const { points, stamps } = claimTotals(p.entries, p.memberId);
    const taken =
      (
        await trx
          .insertInto('claims')
          .values({ sale_key: saleKey, kiosk_no: kiosk.no, sale_no: p.saleNo, member_id: p.memberId, via: 'offline', points, stamps, at })
          .onConflict((oc) => oc.column('sale_key').doNothing())
          .executeTakeFirst()
      ).numInsertedOrUpdatedRows === 1n;
    const first = (await this.claimOf(saleKey, trx))!;
    // This very claim already stands (the same saleClaimed sent again under another id): nothing to do.
    if (!taken && first.via === 'offline' && first.memberId === p.memberId) return false;
    for (const entry of p.entries) await this.insertEntry(trx, entry, kiosk.no);
    if (taken) return true;
    const refusedAt = now.toISOString();
    for (const entry of p.entries) if (entry.kind !== 'reversal') await this.insertEntry(trx, refusedClaimReversal(entry, refusedAt), kiosk.no);
    const winner = await this.member(first.memberId, trx);
    const refused: ClaimRefused = {
      deliveryId: randomUUID(),
      saleKey,
      saleNo: p.saleNo,
      refusedMemberId: p.memberId,
      winner: { id: first.memberId, no: winner?.no ?? 0, name: winner?.name ?? null },
      entries: await this.saleEntries(saleKey, trx),
      at: refusedAt,
    };
    await trx
      .insertInto('deliveries')
      .values({ id: refused.deliveryId, kiosk_no: kiosk.no, event: 'claimRefused', payload_json: JSON.stringify(refused), created_at: refusedAt })
      .execute();
    return false;
  }

  /** Reverses a hub-accepted claim by the core refund rules (pro rata, floor; bonuses on a full refund; never below zero). */
  private async reverseHubClaim(
    trx: Db,
    saleKey: string,
    memberId: string,
    refund: RefundRequest,
    refundedAfter: number,
    kioskNo: number,
    now: Date,
  ): Promise<void> {
    const member = await this.member(memberId, trx);
    if (!member) return;
    const memberEntries = await this.entries(memberId, trx);
    let entries: LedgerEntry[];
    try {
      entries = reverseSale({
        program: (await this.shop(member.shopNo, trx))!.program,
        saleId: saleKey,
        saleEntries: memberEntries.filter((e) => e.saleId === saleKey),
        memberEntries,
        refund,
        at: now,
        ids: lateClaimReversalIds(saleKey, refundedAfter),
      }).entries;
    } catch (error) {
      // Nothing left to take back (already reversed) or a claim without its sale's amount: leave it.
      if (!(error instanceof LoyaltyError)) throw error;
      return;
    }
    for (const entry of entries) await this.insertEntry(trx, entry, kioskNo);
  }

  /**
   * Claims a sale for a member: the claims row (sale key primary key), the earn entry, the balance and
   * the delivery to the sale's kiosk in one transaction. The second claim of a sale gets
   * 'already-claimed' — also when it comes through another hub node at the same moment.
   */
  async claim(input: {
    saleKey: string;
    kioskNo: number;
    saleNo: number;
    member: Member;
    via: 'phone' | 'staff';
    points: number;
    stamps: number;
    total: Money | undefined;
    deliverTo: number | null;
    now: Date;
  }): Promise<ClaimOutcome> {
    return this.write(async (trx): Promise<ClaimOutcome> => {
      const at = input.now.toISOString();
      await this.lockSale(trx, input.saleKey);
      const program = (await this.shop(input.member.shopNo, trx))!.program;
      // Read inside the transaction, after the sale's lock: a saleReversed applied a moment earlier is seen.
      // The member-aware earn (cloud/member-earn.ts → core/claims claimEarnEntries), from the member's state now.
      const entries = await hubClaimEntries(trx, program, {
        memberId: input.member.id,
        entries: await this.entries(input.member.id, trx),
        saleKey: input.saleKey,
        via: input.via,
        total: input.total,
        points: input.points,
        stamps: input.stamps,
        reversal: await this.saleReversal(input.saleKey, trx),
        at: input.now,
      });
      if (!entries) return { ok: false, reason: 'sale-refunded' };
      const due = claimTotals(entries, input.member.id);
      const taken = await trx
        .insertInto('claims')
        .values({
          sale_key: input.saleKey,
          kiosk_no: input.kioskNo,
          sale_no: input.saleNo,
          member_id: input.member.id,
          via: input.via,
          points: due.points,
          stamps: due.stamps,
          at,
        })
        .onConflict((oc) => oc.column('sale_key').doNothing())
        .executeTakeFirst();
      if (taken.numInsertedOrUpdatedRows !== 1n) return { ok: false, reason: 'already-claimed' };
      const written: LedgerEntry[] = [];
      for (const e of entries) if (await this.insertEntry(trx, e, input.kioskNo)) written.push(e);
      const view = memberView(program, input.member.id, await this.entries(input.member.id, trx), input.now);
      const accepted: ClaimAccepted = {
        deliveryId: randomUUID(),
        saleKey: input.saleKey,
        saleNo: input.saleNo,
        via: input.via,
        member: { id: input.member.id, no: input.member.no, name: input.member.name },
        points: due.points,
        stamps: due.stamps,
        balance: { points: view.points, stamps: view.stamps },
        progress: view.progress,
        entries: written,
        at,
      };
      if (input.deliverTo !== null) {
        await trx
          .insertInto('deliveries')
          .values({ id: accepted.deliveryId, kiosk_no: input.deliverTo, event: 'claimAccepted', payload_json: JSON.stringify(accepted), created_at: at })
          .execute();
      }
      return { ok: true, accepted, kioskNo: input.kioskNo };
    });
  }

  // ---- owner's view ---------------------------------------------------------------------------

  /**
   * The dashboard's inputs for one shop (core/metrics): sales, ledger entries, members, kiosks as locations.
   * A sale is a kiosk's saleCreated row (its member from the till or from a later claim), or, for a
   * sale the hub knows only from a claim, the claim with the base entry's spend as total and the
   * claim's time as the sale's time. A sale counts net of its refunds; a void or full refund drops it.
   */
  async ownerFacts(shopNo: number): Promise<{
    sales: SaleFact[];
    entries: LedgerEntry[];
    members: MemberFact[];
    kiosks: { no: number; name: string }[];
    saleKiosks: { saleId: string; location: string }[];
  }> {
    // Refunds: the kiosk's saleReversed (unclaimed sales) and the negative spend of reversal entries
    // (claimed sales) describe the same money when both exist, so the larger of the two is taken.
    // Plain SQL both engines speak (a CASE, not SQLite's two-argument max).
    const sales = (
      await sql<{ id: string; kiosk_no: number; total: number | string; at: string; member_id: string | null }>`
      WITH rev AS (SELECT sale_id, -sum(spend) AS refunded FROM ledger
          WHERE kind = 'reversal' AND spend IS NOT NULL AND sale_id IS NOT NULL GROUP BY sale_id),
        x AS (
          SELECT s.id, s.kiosk_no, s.amount AS gross, s.at, COALESCE(s.member_id, c.member_id) AS member_id
            FROM sales s JOIN kiosks k ON k.no = s.kiosk_no LEFT JOIN claims c ON c.sale_key = s.id WHERE k.shop_no = ${shopNo}
          UNION ALL
          SELECT c.sale_key, c.kiosk_no, l.spend, c.at, c.member_id FROM claims c JOIN kiosks k ON k.no = c.kiosk_no
            JOIN ledger l ON l.id IN ('claim:' || c.sale_key, 'claim:' || c.sale_key || ':offline')
            WHERE k.shop_no = ${shopNo} AND l.spend IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sales WHERE id = c.sale_key)),
        y AS (SELECT x.id, x.kiosk_no, x.at, x.member_id, x.gross - CASE WHEN COALESCE(r.refunded, 0) > COALESCE(rev.refunded, 0)
            THEN COALESCE(r.refunded, 0) ELSE COALESCE(rev.refunded, 0) END AS total
          FROM x LEFT JOIN sale_reversals r ON r.sale_key = x.id LEFT JOIN rev ON rev.sale_id = x.id)
      SELECT id, kiosk_no, total, at, member_id FROM y WHERE total > 0`.execute(this.db)
    ).rows.map((r): SaleFact => ({ id: r.id, total: num(r.total), at: r.at, memberId: r.member_id, location: String(r.kiosk_no) }));
    const entries = (
      await this.db
        .selectFrom('ledger as l')
        .innerJoin('members as m', 'm.id', 'l.member_id')
        .selectAll('l')
        .where('m.shop_no', '=', shopNo)
        .orderBy('l.at')
        .orderBy('l.seq')
        .execute()
    ).map(toEntry);
    // A member merged into another is that member: one person counts once.
    const members = (
      await this.db
        .selectFrom('members')
        .select(['id', 'name', 'created_at'])
        .where('shop_no', '=', shopNo)
        .where('merged_into', 'is', null)
        .orderBy('no')
        .execute()
    ).map((r) => ({ id: r.id, name: r.name, joinedAt: r.created_at }));
    const kiosks = await this.db.selectFrom('kiosks').select(['no', 'name']).where('shop_no', '=', shopNo).orderBy('no').execute();
    // Where each sale was rung up, refunded or not (a kiosk's sale, else a claim): the location an entry naming it counts at.
    const saleKiosks = (
      await sql<{ id: string; kiosk_no: number }>`SELECT s.id, s.kiosk_no FROM sales s JOIN kiosks k ON k.no = s.kiosk_no WHERE k.shop_no = ${shopNo}
        UNION ALL SELECT c.sale_key, c.kiosk_no FROM claims c JOIN kiosks k ON k.no = c.kiosk_no
          WHERE k.shop_no = ${shopNo} AND NOT EXISTS (SELECT 1 FROM sales WHERE id = c.sale_key)`.execute(this.db)
    ).rows.map((r) => ({ saleId: r.id, location: String(r.kiosk_no) }));
    return { sales, entries, members, kiosks, saleKiosks };
  }

  /** Members of a shop whose name, phone (spaces ignored) or e-mail contains `query` (case-insensitive), at most `limit`. */
  async searchMembers(shopNo: number, query: string, limit = 100): Promise<(Member & { joinedAt: string; points: number })[]> {
    const escape = (text: string): string => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`.toLowerCase();
    const like = escape(query);
    // Phones are stored without spaces or dashes ("+48600100200"): "600 100" finds them.
    const phoneLike = escape(query.replace(/[\s-]/g, ''));
    // LIKE is case-sensitive on PostgreSQL and ASCII-insensitive on SQLite: lower() on both sides makes them agree.
    const contains = (column: 'm.name' | 'm.phone' | 'm.email', pattern: string) => sql<boolean>`lower(${sql.ref(column)}) LIKE ${pattern} ESCAPE '\\'`;
    let select = this.db
      .selectFrom('members as m')
      .leftJoin('balances as b', 'b.member_id', 'm.id')
      .select(['m.no', 'm.id', 'm.shop_no', 'm.name', 'm.phone', 'm.email', 'm.created_at', 'b.points'])
      .where('m.shop_no', '=', shopNo);
    if (query !== '') select = select.where((eb) => eb.or([contains('m.name', like), contains('m.phone', phoneLike), contains('m.email', like)]));
    const rows = await select.orderBy('m.no').limit(limit).execute();
    return rows.map((r) => ({
      no: r.no,
      id: r.id,
      shopNo: r.shop_no,
      name: r.name,
      phone: r.phone,
      email: r.email,
      joinedAt: r.created_at,
      points: num(r.points),
    }));
  }

  async pendingDeliveries(kioskNo: number, limit = 100): Promise<Delivery[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['event', 'payload_json'])
      .where('kiosk_no', '=', kioskNo)
      .orderBy('created_at')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ event: r.event as Delivery['event'], payload: JSON.parse(r.payload_json) as never }));
  }

  async deliveryAcked(kioskNo: number, deliveryId: string): Promise<void> {
    await this.db.deleteFrom('deliveries').where('id', '=', deliveryId).where('kiosk_no', '=', kioskNo).execute();
  }
}

/** Rows of consecutive saleCreated / ledgerAppended messages waiting to be written together. */
class BulkRun {
  sales: Insertable<HubDatabase['sales']>[] = [];
  claims: Insertable<HubDatabase['claims']>[] = [];
  entries: LedgerEntry[] = [];
}

function ledgerRow(entry: LedgerEntry, kioskNo: number | null): Insertable<HubDatabase['ledger']> {
  return {
    id: entry.id,
    member_id: entry.memberId,
    kind: entry.kind,
    points: entry.points,
    stamps: entry.stamps,
    sale_id: entry.saleId,
    reverses: entry.reverses,
    reason_json: JSON.stringify(entry.reason),
    at: entry.at,
    kiosk_no: kioskNo,
    spend: entry.spend ?? null,
  };
}

/** What an entry adds to the balance's "earned" (earn and bonus points, never negative). */
const earnedBy = (entry: { kind: string; points: number }): number => (entry.kind === 'earn' || entry.kind === 'bonus' ? Math.max(0, entry.points) : 0);

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A contact normalised when it can be; kept as sent when it cannot (a message already accepted is not refused later). */
function normalised(normalise: () => string, raw: string): string {
  try {
    return normalise();
  } catch {
    return raw;
  }
}

export interface MemberInput {
  id?: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  consentAt: string | null;
  consentText: string | null;
  /** The card code a kiosk gave (memberEnrolled). */
  code?: string | null;
  /** MM-DD from the join form (0013); kept only when the member is new. */
  birthday?: string | null;
}

function toEntry(row: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = {
    id: row.id,
    memberId: row.member_id,
    kind: row.kind as LedgerEntry['kind'],
    points: row.points,
    stamps: row.stamps,
    saleId: row.sale_id,
    reverses: row.reverses,
    reason: JSON.parse(row.reason_json) as Reason,
    at: row.at,
  };
  if (row.spend !== null) entry.spend = row.spend;
  return entry;
}
