import { sql } from 'kysely';
import { connectHubDatabase, type ConnectOptions, type Engine } from '../store-schema';
import { StoreContext, num, type Db } from './db';
import { OwnerFacts } from './facts';
import { Kiosks } from './kiosks';
import { Ledger } from './ledger';
import { Members } from './members';
import { Outbox } from './outbox';
import { Sales } from './sales';
import { Shops } from './shops';
import { Vouchers } from './vouchers';

export { isDatabaseUnavailable } from '../store-schema';
export { FIRST_VERSION_START, type Shop, type StoredProgramVersion } from './shops';
export type { Delivery, Kiosk } from './kiosks';
export type { Member, MemberInput } from './members';
export type { BalanceView, HistoryRow } from './ledger';
export type { ClaimOutcome, ClaimRow, SaleReversal } from './sales';
export type { OpenVoucher, StoredVoucher, VoucherConflict, VoucherRedeemInput, VoucherRedeemOutcome } from './vouchers';
export type { OutboxApplied } from './outbox';

/**
 * The hub's store: one async API over Kysely on two engines — an embedded SQLite file (WAL,
 * synchronous=FULL; the default) or PostgreSQL (DATABASE_URL), shared by any number of hub
 * processes. Its SQL lives in one module per aggregate (shops, kiosks, members, ledger, sales and
 * claims, vouchers, the kiosk outbox, the owner's facts), each over the one typed schema
 * (store-schema.ts); this class wires them and keeps the API routes and tests use. Every write is
 * one transaction (`StoreContext.write`, which takes SQLite's write lock first). Ledger ids are
 * chosen by their writer (kiosk or hub) and every ledger insert goes through `Ledger`: an insert
 * that conflicts on the id does nothing, and the balances projection is updated in the same
 * transaction only when a row was really inserted. Races between hub processes are settled by the
 * database (primary keys, conditional updates, per-sale and per-member transaction locks), never by
 * a read followed by a write.
 */

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

export class HubStore {
  /** The Kysely instance (tests and benches seed and inspect through it; the hub goes through the methods). */
  readonly db: Db;
  readonly engine: Engine;
  /** The SQLite file or the PostgreSQL host/database, for the start-up line. */
  readonly where: string;
  /** The one way to write (the write lock) shared by every aggregate, and by the owner's and the messages' stores. */
  readonly context: StoreContext;
  readonly shops: Shops;
  readonly kiosks: Kiosks;
  readonly ledger: Ledger;
  readonly members: Members;
  readonly sales: Sales;
  readonly vouchers: Vouchers;
  readonly outbox: Outbox;
  readonly facts: OwnerFacts;

  private constructor(db: Db, engine: Engine, where: string) {
    this.db = db;
    this.engine = engine;
    this.where = where;
    this.context = new StoreContext(db, engine);
    this.shops = new Shops(this.context);
    this.kiosks = new Kiosks(this.context);
    this.ledger = new Ledger(this.context);
    this.members = new Members(this.context, this.shops, this.ledger);
    this.sales = new Sales(this.context, this.shops, this.members, this.ledger, this.kiosks);
    this.vouchers = new Vouchers(this.context, this.shops, this.ledger);
    this.outbox = new Outbox(this.context, this.shops, this.members, this.ledger, this.sales, this.vouchers, this.kiosks);
    this.facts = new OwnerFacts(this.context);
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

  // ---- shops and settings (shops.ts) -------------------------------------------------------------
  setting: Shops['setting'] = (...a) => this.shops.setting(...a);
  ensureShop: Shops['ensureShop'] = (...a) => this.shops.ensureShop(...a);
  createShop: Shops['createShop'] = (...a) => this.shops.createShop(...a);
  setProgram: Shops['setProgram'] = (...a) => this.shops.setProgram(...a);
  programVersions: Shops['programVersions'] = (...a) => this.shops.programVersions(...a);
  publishProgram: Shops['publishProgram'] = (...a) => this.shops.publishProgram(...a);
  shop: Shops['shop'] = (...a) => this.shops.shop(...a);

  // ---- kiosks and deliveries (kiosks.ts) ---------------------------------------------------------
  createPairingCode: Kiosks['createPairingCode'] = (...a) => this.kiosks.createPairingCode(...a);
  pairKiosk: Kiosks['pairKiosk'] = (...a) => this.kiosks.pairKiosk(...a);
  kiosk: Kiosks['kiosk'] = (...a) => this.kiosks.kiosk(...a);
  kioskByNo: Kiosks['kioskByNo'] = (...a) => this.kiosks.kioskByNo(...a);
  revokeKiosk: Kiosks['revokeKiosk'] = (...a) => this.kiosks.revokeKiosk(...a);
  pendingDeliveries: Kiosks['pendingDeliveries'] = (...a) => this.kiosks.pendingDeliveries(...a);
  deliveryAcked: Kiosks['deliveryAcked'] = (...a) => this.kiosks.deliveryAcked(...a);

  // ---- members (members.ts) ----------------------------------------------------------------------
  member: Members['member'] = (...a) => this.members.member(...a);
  memberByContact: Members['memberByContact'] = (...a) => this.members.memberByContact(...a);
  joinMember: Members['joinMember'] = (...a) => this.members.joinMember(...a);
  memberView: Members['memberView'] = (...a) => this.members.memberView(...a);
  searchMembers: Members['searchMembers'] = (...a) => this.members.searchMembers(...a);

  // ---- ledger and expiry (ledger.ts) -------------------------------------------------------------
  balance: Ledger['balance'] = (...a) => this.ledger.balance(...a);
  entries: Ledger['entries'] = (...a) => this.ledger.entries(...a);
  saleEntries: Ledger['saleEntries'] = (...a) => this.ledger.saleEntries(...a);
  history: Ledger['history'] = (...a) => this.ledger.history(...a);
  ledgerCount: Ledger['ledgerCount'] = (...a) => this.ledger.ledgerCount(...a);
  expiryCandidates: Ledger['expiryCandidates'] = (...a) => this.ledger.expiryCandidates(...a);
  writeExpiry: Ledger['writeExpiry'] = (...a) => this.ledger.writeExpiry(...a);

  // ---- sales and claims (sales.ts) ---------------------------------------------------------------
  saleReversal: Sales['saleReversal'] = (...a) => this.sales.saleReversal(...a);
  claimOf: Sales['claimOf'] = (...a) => this.sales.claimOf(...a);
  claimable: Sales['claimable'] = (...a) => this.sales.claimable(...a);
  claim: Sales['claim'] = (...a) => this.sales.claim(...a);
  payHeldWelcome: Sales['payHeldWelcome'] = (...a) => this.sales.payHeldWelcome(...a);

  // ---- vouchers (vouchers.ts) --------------------------------------------------------------------
  issueVoucher: Vouchers['issueVoucher'] = (...a) => this.vouchers.issueVoucher(...a);
  voucher: Vouchers['voucher'] = (...a) => this.vouchers.voucher(...a);
  redeemVoucherOnce: Vouchers['redeemVoucherOnce'] = (...a) => this.vouchers.redeemVoucherOnce(...a);
  releaseExpiredVouchers: Vouchers['releaseExpiredVouchers'] = (...a) => this.vouchers.releaseExpiredVouchers(...a);
  voucherConflicts: Vouchers['voucherConflicts'] = (...a) => this.vouchers.voucherConflicts(...a);
  openVouchers: Vouchers['openVouchers'] = (...a) => this.vouchers.openVouchers(...a);
  openVoucherCount: Vouchers['openVoucherCount'] = (...a) => this.vouchers.openVoucherCount(...a);

  // ---- the kiosk outbox (outbox.ts) and the owner's facts (facts.ts) -----------------------------
  applyOutbox: Outbox['applyOutbox'] = (...a) => this.outbox.applyOutbox(...a);
  kioskRefusals: Outbox['kioskRefusals'] = (...a) => this.outbox.kioskRefusals(...a);
  recordKioskRefusal: Outbox['recordKioskRefusal'] = (...a) => this.outbox.recordKioskRefusal(...a);
  ownerFacts: OwnerFacts['ownerFacts'] = (...a) => this.facts.ownerFacts(...a);
  ledgerPages: OwnerFacts['ledgerPages'] = (...a) => this.facts.ledgerPages(...a);

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
}
