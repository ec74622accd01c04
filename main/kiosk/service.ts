import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { earnForSale, formatEntryLine, type EarnSummary, type MemberState } from '../../core/earn';
import { Refusal } from '../../core/errors';
import type { LedgerEntry } from '../../core/ledger/entry';
import { LoyaltyError } from '../../core/ledger/errors';
import { redeemReward } from '../../core/ledger/redeem';
import { memberCodeFor } from '../../core/codes';
import { ContactError, contactOrUndefined, normalizeContact, normalizeEmail, normalizePhone, regionForLocale } from '../../core/contact';
import { KioskError } from '../../core/contract';
import type { Locale } from '../../core/i18n/locales';
import { largestSale } from '../../core/program/checks';
import { progressToReward } from '../../core/program/progress';
import { receiptMember, saleReceiptInput, type ReceiptInput, type ReceiptMember } from '../../core/receipt/document';
import type { Reward } from '../../core/program/schema';
import { memberStateFromEntries, stampsByCard } from '../../core/ledger/projections';
import { mergedMemberState } from '../../core/ledger/replica-state';
import { reverseLateEntries, reverseSale } from '../../core/ledger/reverse';
import { dashboard, zonedMidnight, type SaleFact } from '../../core/metrics';
import { amountPaid, cashRound, checkSaleAmount, CURRENCIES, formatMoney, MoneyError, refundPaidBack, type Money, type SaleCeilings } from '../../core/money';
import type { Program, ProgramIssue } from '../../core/program/schema';
import { parseProgramVersion, programInEffect, type ProgramVersion } from '../../core/program/versions';
import {
  lateClaimReversalIds,
  type MemberChange,
  type ClaimAccepted,
  type ClaimRefused,
  type ClaimResult,
  type KioskCredentials,
  type OutboxMessage,
  type RedeemVoucherResult,
  type SaleEntriesDerived,
  type VoucherStanding,
  hexToBytes,
} from '../../core/sync-protocol';
import { claimEarnEntries, claimStampsWait, claimTotals, withoutRefusedClaims } from '../../core/claims';
import { staffClaim } from './staff-claim';
import type {
  CreateSaleRequest,
  EnrolMemberRequest,
  HealthView,
  MemberView,
  RedeemVoucherRequest,
  RefundRequest,
  RefundView,
  SaleList,
  SaleListQuery,
  SaleRecord,
  SaleView,
  TillPort,
  VoucherRedemptionView,
  VoucherView as TillVoucherView,
} from '../../core/till-api';
import {
  claimSaleKey,
  claimUrl as claimUrlFor,
  peekClaimToken,
  REFUSAL_LOG,
  rewardByKey,
  verifyVoucher,
  voucherHoldEntry,
  voucherRedemptionEntryId,
  type VoucherData,
} from '../../core/tokens';
import { saleSources } from '../../core/till-api';
import {
  StoreConflictError,
  StoreInputError,
  type KioskStore,
  type Member,
  type MemberInput,
  type OutboxMessageInput,
  type SaleSource,
  type StoredRefund,
  type StoredSale,
  type StoredVoucherRedemption,
} from '../store';
import { saleClaimUrl } from '../sync/claims';
import type { OutboxPort } from '../sync/outbox';
import type { Clock } from '../../core/clock';
import { receiptHeader, settingsFallback, shopSettingsSchema, type ShopSettings } from '../../core/shop-settings';
import type { ShopSettingsDelivery } from '../../core/sync-protocol';

/** The kiosk's identity at its hub: from pairing, kept in the store. */
export type KioskIdentity = Pick<KioskCredentials, 'kioskId' | 'kioskNo' | 'shopNo' | 'secret'> & Partial<Pick<KioskCredentials, 'hubPublicKey'>>;

export interface KioskServiceOptions {
  store: KioskStore;
  /**
   * The program until the hub's first version arrives: `npm start`'s demo only. A kiosk paired with a
   * shop's hub passes none, and rings up nothing until its hub's program is stored (docs/kiosk-app.md).
   */
  program?: Program | undefined;
  identity: KioskIdentity;
  /** The address phones reach the hub at; claim URLs are built on it. */
  hubPublicUrl: string;
  ceilings?: SaleCeilings;
  claimValidDays?: number;
  version?: string;
  /** The kiosk's clock (core/clock.ts), passed down from the composition root. */
  now: Clock;
  newId?: () => string;
}

export interface SaleCreatedEvent {
  sale: SaleView;
  source: SaleSource;
  headline: string;
  summary: EarnSummary;
}

export interface KioskServiceEvents {
  saleCreated: [SaleCreatedEvent];
  claimAccepted: [ClaimAccepted];
  /**
   * Staff at this kiosk's counter attached a member to one of its sales (card scanned while the sale
   * was open, or a receipt QR scanned after a card), through the hub or offline: the customer is at the
   * counter, so the kiosk prints their balance slip.
   */
  staffClaimed: [{ saleId: string; claim: ClaimAccepted }];
  /** A claim made here while the hub was down lost to an earlier claim; its entries were taken back. */
  claimRefused: [ClaimRefused];
  refundRecorded: [RefundView];
  /** An outbox write happened: the sync client should drain. */
  outboxChanged: [];
  /** New program versions from the hub were stored (numbers). */
  programVersionsStored: [number[]];
  /** The shop's settings from the hub were stored (a newer copy than the kiosk held). */
  shopSettingsStored: [ShopSettings];
  /** A program version from the hub failed the checks and was not stored (the old rules stay). */
  programVersionRefused: [{ version: unknown; errors: ProgramIssue[] }];
  /** Members from the hub's directory were stored in the replica (how many). */
  membersChanged: [number];
}

const SALE_NO_SETTING = 'kiosk.nextSaleNo';
/** The hub's shop settings as last received: `{ updatedAt, settings, location }`. */
const SHOP_SETTINGS_SETTING = 'hub.shopSettings';
/** How far ahead of the kiosk's clock a till's `at` may be: clocks drift, but no sale is rung in the future. */
const SALE_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A paired kiosk that holds no program of its shop's yet: what it says instead of counting in another
 * shop's currency. The staff screen words it (`programPending`); tills get this with a 503.
 */
export const PROGRAM_PENDING_MESSAGE =
  "this kiosk has not received its shop's loyalty program from the hub yet, so it rings up nothing; nothing was recorded — connect it to the hub and try again";

/**
 * What a paired kiosk goes by while it holds neither the hub's settings nor its program: nothing of
 * any shop's (English, UTC). It rings up nothing meanwhile, so its currency is never used.
 */
const WAITING_SETTINGS: ShopSettings = {
  name: 'Loyalty kiosk',
  country: 'DE',
  currency: 'EUR',
  locale: 'en',
  timeZone: 'UTC',
  languages: ['en'],
  locations: [],
};

/** The most stamps one sale may earn: ten full cards of the program's largest card (at least 100). */
function maxStampsPerSale(program: Program): number {
  const sizes = program.rules.flatMap((rule) => (rule.type === 'stamps' ? [rule.cardSize] : []));
  return Math.max(100, 10 * Math.max(0, ...sizes));
}
const MEMBER_NO_SETTING = 'kiosk.nextMemberNo';

/** How the staff screen reaches the hub for a claim (the sync client, or a test's stand-in). */
export interface HubClaimPort {
  readonly connected: boolean;
  claimSale(token: string, memberId: string): Promise<ClaimResult>;
}

/** Store and rule refusals become one kind of refusal, with the store's or the rules' own words. */
function asRefusal(error: unknown): never {
  if (error instanceof MoneyError) {
    throw new Refusal(
      error.code === 'over_ceiling' ? 'amount_over_ceiling' : error.code === 'unknown_currency' ? 'unknown_currency' : 'invalid_request',
      error.message,
    );
  }
  if (error instanceof LoyaltyError) {
    const code =
      error.code === 'refund_too_large'
        ? 'refund_exceeds_sale'
        : error.code === 'insufficient_points' || error.code === 'insufficient_stamps'
          ? 'insufficient_balance'
          : error.code === 'already_refunded'
            ? 'conflict'
            : 'invalid_request';
    throw new Refusal(code, error.message);
  }
  if (error instanceof StoreConflictError) throw new Refusal('conflict', error.message);
  if (error instanceof StoreInputError) throw new Refusal('invalid_request', error.message);
  throw error;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/**
 * The kiosk's service layer: one place that turns a sale, a claim, a refund into ledger entries
 * and outbox messages, written by the one writer (the store). The till API, the keypad, the
 * passthrough and the UI all call this.
 */
export class KioskService extends EventEmitter<KioskServiceEvents> implements TillPort {
  private readonly store: KioskStore;
  private readonly identity: KioskIdentity;
  private readonly hubPublicUrl: string;
  private readonly ceilings: SaleCeilings;
  private readonly claimValidDays: number;
  private readonly version: string;
  private readonly now: Clock;
  private readonly newId: () => string;
  private readonly fallbackProgram: Program | undefined;
  private versions: ProgramVersion[] = [];
  private readonly serviceStatus = new Map<string, string>();

  constructor(options: KioskServiceOptions) {
    super();
    this.store = options.store;
    this.fallbackProgram = options.program;
    this.identity = options.identity;
    this.hubPublicUrl = options.hubPublicUrl;
    this.ceilings = options.ceilings ?? {};
    this.claimValidDays = options.claimValidDays ?? 7;
    this.version = options.version ?? '0.1.0';
    this.now = options.now;
    this.newId = options.newId ?? (() => `${this.identity.kioskId}:${randomUUID()}`);
    this.versions = this.storedVersions();
  }

  /** The program in effect now; refused (503, `PROGRAM_PENDING_MESSAGE`) while the kiosk holds none. */
  get program(): Program {
    return this.programAt(this.now());
  }

  /** Whether the kiosk holds a program to count by (its hub's, or `npm start`'s demo). */
  get programReady(): boolean {
    return this.heldProgramAt(this.now()) !== undefined;
  }

  /**
   * The largest sale `createSale` takes now, in the program's currency: the lower of this kiosk's own
   * ceiling (else the currency's `saleCeiling`) and the program's (`largestSale`), as both are checked.
   */
  saleCeiling(): Money {
    const program = this.program;
    const own = this.ceilings[program.currency] ?? CURRENCIES[program.currency].saleCeiling;
    return { amount: Math.min(own, largestSale(program)), currency: program.currency };
  }

  /** The program in effect at `at`; refused while the kiosk holds none (a paired kiosk before its first sync). */
  programAt(at: Date): Program {
    const program = this.heldProgramAt(at);
    if (!program) throw new Refusal('unavailable', PROGRAM_PENDING_MESSAGE);
    return program;
  }

  /**
   * The hub's version in effect at `at` (core/program/versions). Before the first stored version
   * starts (a clock a little behind the hub's, a till's `at` a moment early) the first one: those are
   * this shop's rules, the demo never is. Only a kiosk with no hub version uses what it started with.
   */
  heldProgramAt(at: Date): Program | undefined {
    const inEffect = programInEffect(this.versions, at);
    if (inEffect) return inEffect.document;
    if (this.versions.length > 0) {
      const firstStart = Math.min(...this.versions.map((v) => Date.parse(v.effectiveFrom)));
      return programInEffect(this.versions, new Date(firstStart))?.document;
    }
    return this.fallbackProgram;
  }

  /**
   * The shop's settings: the hub's, as last received (kept in the store, so they hold offline and
   * after a restart), else what the kiosk started with (its program's name, language, time zone).
   */
  shopSettings(): { settings: ShopSettings; location: string | null; fromHub: boolean } {
    const held = this.heldShopSettings();
    if (held) return { settings: held.settings, location: held.location, fromHub: true };
    const program = this.heldProgramAt(this.now());
    return { settings: program ? settingsFallback(program.name, program) : WAITING_SETTINGS, location: null, fromHub: false };
  }

  private heldShopSettings(): { updatedAt: string; settings: ShopSettings; location: string | null } | undefined {
    const raw = this.store.getSetting(SHOP_SETTINGS_SETTING) as { updatedAt?: unknown; settings?: unknown; location?: unknown } | undefined;
    const settings = shopSettingsSchema.safeParse(raw?.settings);
    if (!raw || !settings.success || typeof raw.updatedAt !== 'string') return undefined;
    return { updatedAt: raw.updatedAt, settings: settings.data, location: typeof raw.location === 'string' ? raw.location : null };
  }

  /** Settings from the hub (already checked by the sync schema): stored unless the kiosk holds newer ones. */
  applyShopSettings(delivery: Pick<ShopSettingsDelivery, 'updatedAt' | 'settings' | 'location'>): boolean {
    const held = this.heldShopSettings();
    const same = held && JSON.stringify(held) === JSON.stringify({ updatedAt: delivery.updatedAt, settings: delivery.settings, location: delivery.location });
    if (same || (held && held.updatedAt > delivery.updatedAt)) return false;
    this.store.setSetting(SHOP_SETTINGS_SETTING, { updatedAt: delivery.updatedAt, settings: delivery.settings, location: delivery.location });
    this.emit('shopSettingsStored', delivery.settings);
    return true;
  }

  /** The hub's program versions this kiosk holds, oldest first. */
  programVersions(): readonly ProgramVersion[] {
    return this.versions;
  }

  /**
   * Program versions from the hub: each document is checked with parseProgram; the good ones are
   * stored (a sale rung at t then earns by the version in effect at t), a bad one is refused and
   * the kiosk keeps what it had.
   */
  applyProgramVersions(received: readonly unknown[]): { stored: number[]; refused: number } {
    const good: ProgramVersion[] = [];
    let refused = 0;
    for (const input of received) {
      const parsed = parseProgramVersion(input);
      if (parsed.ok) {
        good.push(parsed.version);
      } else {
        refused++;
        this.emit('programVersionRefused', { version: (input as { version?: unknown } | null)?.version, errors: parsed.errors });
      }
    }
    const known = new Map(this.versions.map((v) => [v.version, JSON.stringify(v)]));
    const fresh = good.filter((v) => known.get(v.version) !== JSON.stringify(v));
    if (fresh.length > 0) {
      this.store.saveProgramVersions(fresh, this.now().toISOString());
      this.versions = this.storedVersions();
      this.emit(
        'programVersionsStored',
        fresh.map((v) => v.version),
      );
    }
    return { stored: fresh.map((v) => v.version), refused };
  }

  private storedVersions(): ProgramVersion[] {
    return this.store.programVersions().flatMap((row) => {
      const parsed = parseProgramVersion(row);
      return parsed.ok ? [parsed.version] : [];
    });
  }

  /** Reported by the other services (hub, printer, scanner) for the health route and staff. */
  setServiceStatus(service: string, status: string): void {
    this.serviceStatus.set(service, status);
  }

  // ---- sales --------------------------------------------------------------------------------

  async createSale(request: CreateSaleRequest, source: SaleSource = 'api'): Promise<{ created: boolean; sale: SaleView }> {
    try {
      return this.recordNewSale(request, source);
    } catch (error) {
      return asRefusal(error);
    }
  }

  private recordNewSale(request: CreateSaleRequest, source: SaleSource): { created: boolean; sale: SaleView } {
    // The rules of the moment the sale was rung, not of the moment it reaches this service.
    const at = request.at === undefined ? this.now() : this.checkedSaleTime(request.at);
    const program = this.programAt(at);
    const rung = checkSaleAmount(request.total, this.ceilings);
    if (rung.currency !== program.currency) {
      throw new Refusal('invalid_request', `total: this shop's program counts in ${program.currency}, not ${rung.currency}`);
    }
    // A cash sale counts what the customer hands over: the total rounded to the currency's cash step.
    const total = amountPaid(rung, request.payment);
    if (total.amount <= 0) {
      throw new Refusal('invalid_request', `total: ${formatMoney(rung, 'en')} rounds to nothing in cash; nothing was recorded`);
    }
    const payment = request.payment ?? null;
    const existing = this.store.getSaleByTillId(request.tillSaleId, source);
    if (existing) {
      if (existing.total.amount !== total.amount || existing.total.currency !== total.currency) {
        throw new Refusal('conflict', `tillSaleId ${request.tillSaleId} was already recorded with another total; a retry must send the same total`);
      }
      if (existing.payment !== payment) {
        throw new Refusal(
          'conflict',
          `tillSaleId ${request.tillSaleId} was already recorded as paid ${existing.payment ?? 'without a payment kind'}; a retry must send the same payment`,
        );
      }
      return { created: false, sale: this.saleView(existing) };
    }
    const member = request.memberCode === undefined ? undefined : this.store.findMemberByCode(request.memberCode);
    if (request.memberCode !== undefined && !member) {
      throw new Refusal('not_found', `memberCode: no member with code ${JSON.stringify(request.memberCode)}; the sale was not recorded`);
    }
    const lines = request.lines ?? [];

    return this.store.atomically(() => {
      const saleNo = this.takeSaleNo();
      const saleId = claimSaleKey({ kioskNo: this.identity.kioskNo, saleNo });
      const state = member ? this.memberState(member, at, program) : anonymousState(at);
      const earned = earnForSale(
        program,
        state,
        {
          id: saleId,
          total,
          lines: lines.map((line) => ({
            quantity: line.quantity,
            ...(line.category ? { category: line.category } : {}),
            ...(line.sku ? { product: line.sku } : {}),
          })),
        },
        at,
        this.newId,
      );
      const stamps = sum(Object.values(earned.summary.stamps));
      const stampLimit = maxStampsPerSale(program);
      if (stamps > stampLimit) {
        throw new Refusal(
          'invalid_request',
          `lines: this sale would earn ${stamps} stamps, more than ${stampLimit} (ten full cards); check the quantities or ring it as several sales`,
        );
      }
      const claim = member
        ? undefined
        : saleClaimUrl(this.identity, this.hubPublicUrl, { saleNo, points: earned.summary.points, stamps, total }, at, this.claimValidDays);
      const entries = member ? earned.entries : [];
      const result = this.store.recordSale({
        sale: {
          id: saleId,
          source,
          tillSaleId: request.tillSaleId,
          total,
          lines: lines.map((line) => ({
            name: line.name,
            quantity: line.quantity,
            amount: line.total.amount,
            ...(line.category ? { category: line.category } : {}),
            ...(line.sku ? { sku: line.sku } : {}),
          })),
          memberId: member?.id ?? null,
          claimToken: claim?.token ?? null,
          // Kept once, as rung: a claim of its QR stamps these cards, the sale's views answer these figures.
          earned: { points: earned.summary.points, stampsByCard: earned.summary.stamps },
          payment,
          createdAt: at.toISOString(),
        },
        entries,
        outbox: [
          this.outboxMessage(
            'saleCreated',
            {
              saleId,
              saleNo,
              total,
              points: earned.summary.points,
              stamps,
              stampsByCard: earned.summary.stamps,
              memberId: member?.id ?? null,
              entries,
            },
            member?.id ?? null,
            at,
          ),
        ],
      });
      const view = this.saleView(result.sale, earned.summary);
      this.emit('saleCreated', { sale: view, source, headline: earned.summary.headline, summary: earned.summary });
      this.emit('outboxChanged');
      return { created: result.status === 'recorded', sale: view };
    });
  }

  /**
   * The till's `at`, if the kiosk's clock can believe it: at most SALE_CLOCK_SKEW_MS ahead (tills and
   * kiosks drift a little) and no older than the claim window, since a claim QR is valid from `at` on.
   */
  private checkedSaleTime(iso: string): Date {
    const at = new Date(iso);
    const now = this.now();
    if (at.getTime() - now.getTime() > SALE_CLOCK_SKEW_MS) {
      throw new Refusal(
        'invalid_request',
        `at: ${iso} is more than ${SALE_CLOCK_SKEW_MS / 60_000} minutes ahead of the kiosk's clock (${now.toISOString()}); check the till's clock`,
      );
    }
    if (now.getTime() - at.getTime() > this.claimValidDays * 86_400_000) {
      throw new Refusal(
        'invalid_request',
        `at: ${iso} is more than ${this.claimValidDays} days ago; the kiosk records sales of the last ${this.claimValidDays} days`,
      );
    }
    return at;
  }

  getSaleById(saleId: string): SaleView | undefined {
    const sale = this.store.getSale(saleId);
    return sale ? this.saleView(sale) : undefined;
  }

  /**
   * A sale for `GET /v1/sales/{id}`, whatever path rang it: the till API's own tillSaleId first (so a
   * till's id never resolves to another sale), then the kiosk's saleId (as `GET /v1/sales` lists it),
   * then the till id the keypad or the passthrough gave it.
   */
  findSale(id: string): SaleRecord | undefined {
    const sale =
      this.store.getSaleByTillId(id, 'api') ??
      this.store.getSale(id) ??
      saleSources.map((source) => this.store.getSaleByTillId(id, source)).find((found) => found !== undefined);
    return sale ? this.saleRecord(sale) : undefined;
  }

  /** `GET /v1/sales`: every sale in time order, a page at a time; `next` continues after the last one. */
  listSales(query: SaleListQuery): SaleList {
    const limit = query.limit ?? 100;
    const after = query.cursor === undefined ? undefined : readSaleCursor(query.cursor);
    const page = this.store.salesInOrder({
      ...(query.since === undefined ? {} : { since: new Date(query.since).toISOString() }),
      ...(after === undefined ? {} : { after }),
      limit: limit + 1,
    });
    const sales = page.slice(0, limit);
    const last = sales.at(-1);
    return { sales: sales.map((sale) => this.saleRecord(sale)), next: page.length > limit && last ? saleCursor(last) : null };
  }

  // ---- refunds and voids --------------------------------------------------------------------

  async refundSale(tillSaleId: string, request: RefundRequest, source: SaleSource = 'api'): Promise<RefundView> {
    const sale = this.store.getSaleByTillId(tillSaleId, source);
    if (!sale) throw new Refusal('not_found', `no sale with tillSaleId ${JSON.stringify(tillSaleId)}`);
    const refundKey = request.refundId ?? (request.amount === undefined ? 'rest' : undefined);
    try {
      return this.reverse(sale, 'refund', request.amount, refundKey);
    } catch (error) {
      return asRefusal(error);
    }
  }

  async voidSale(tillSaleId: string, source: SaleSource = 'api'): Promise<RefundView> {
    const sale = this.store.getSaleByTillId(tillSaleId, source);
    if (!sale) throw new Refusal('not_found', `no sale with tillSaleId ${JSON.stringify(tillSaleId)}`);
    try {
      return this.reverse(sale, 'void', undefined, 'void');
    } catch (error) {
      return asRefusal(error);
    }
  }

  /** What a refund of `requested` pays back out of `sale` (`refundPaidBack`: cash-rounded for a cash sale); zero when it rounds to nothing. */
  private paidBack(sale: StoredSale, requested: Money): Money {
    return refundPaidBack(requested, { amount: sale.total.amount - sale.refunded, currency: sale.total.currency }, sale.payment);
  }

  /**
   * The reversal entries a refund (`amount`, or all that is left) or a void of a sale would write, and
   * the points already spent that could not be taken back. Writes nothing: the staff screen shows it
   * before staff confirm, and `reverse` writes it.
   */
  private planReversal(sale: StoredSale, amount: Money | undefined, at: Date): { entries: LedgerEntry[]; notRecovered: number } {
    const remaining = sale.total.amount - sale.refunded;
    if (amount !== undefined) {
      if (amount.currency !== sale.total.currency)
        throw new Refusal('invalid_request', `amount: the sale was in ${sale.total.currency}, not ${amount.currency}`);
      if (amount.amount > remaining) {
        throw new Refusal('refund_exceeds_sale', `amount: ${amount.amount} is more than the ${remaining} left of this sale (minor units); nothing was changed`);
      }
    }
    const full = amount === undefined || amount.amount === remaining;
    const saleEntries = withoutRefusedClaims(this.store.entriesForSale(sale.id));
    if (sale.memberId === null || saleEntries.length === 0) return { entries: [], notRecovered: 0 };
    const memberIds = new Set(saleEntries.map((e) => e.memberId));
    const reversal = reverseSale({
      program: this.program,
      saleId: sale.id,
      saleEntries,
      memberEntries: [...memberIds].flatMap((id) => this.store.entriesForMember(id)),
      refund: full ? 'full' : amount,
      at,
      ids: this.newId,
    });
    return { entries: reversal.entries, notRecovered: sum(reversal.shortfalls.map((s) => s.points)) };
  }

  private reverse(sale: StoredSale, kind: 'refund' | 'void', requested: Money | undefined, refundKey: string | undefined): RefundView {
    const refundId = `${sale.id}:${kind}:${refundKey ?? this.newId()}`;
    const known = this.store.refundsForSale(sale.id).find((r) => r.id === refundId);
    if (known) {
      // A retry of a cash sale's refund asks what it asked the first time; what was recorded is that, cash-rounded.
      const asked = requested === undefined ? [] : sale.payment === 'cash' ? [requested, cashRound(requested)] : [requested];
      const sameAmount = requested === undefined || asked.some((a) => known.amount.amount === a.amount && known.amount.currency === a.currency);
      if (!sameAmount) {
        throw new Refusal('conflict', `refundId ${refundKey ?? ''} was already recorded with another amount; a retry must send the same amount`);
      }
      return this.refundView(known, this.store.getSale(sale.id)!, []);
    }
    if (sale.status === 'voided' || sale.status === 'refunded') {
      throw new Refusal('refund_exceeds_sale', `sale ${sale.tillSaleId ?? sale.id} is already ${sale.status}: nothing is left to refund`);
    }
    let amount = requested === undefined ? undefined : this.paidBack(sale, requested);
    if (requested !== undefined && amount !== undefined && amount.amount <= 0) {
      throw new Refusal(
        'invalid_request',
        `amount: ${formatMoney(requested, 'en')} rounds to nothing in cash (this sale was paid in cash and its refunds are paid back in cash); refund a larger amount; nothing was changed`,
      );
    }
    const remaining = sale.total.amount - sale.refunded;
    // A refund without an amount takes what is left of the sale (a void does the same under its own name).
    if (kind === 'refund' && amount === undefined) amount = { amount: remaining, currency: sale.total.currency };
    const at = this.now();
    const { entries, notRecovered } = this.planReversal(sale, amount, at);
    const outbox = entries.length === 0 ? [] : [this.outboxMessage('ledgerAppended', { entries }, sale.memberId, at)];
    // A sale nobody claimed here: tell the hub, so its QR pays only what is left (nothing after a full refund).
    const token = sale.memberId === null && sale.claimToken !== null ? peekClaimToken(sale.claimToken) : undefined;
    if (token?.ok) {
      const refunded = sale.refunded + (amount?.amount ?? remaining);
      outbox.push(
        this.outboxMessage(
          'saleReversed',
          {
            saleId: sale.id,
            saleNo: token.data.saleNo,
            total: sale.total,
            refunded: { amount: refunded, currency: sale.total.currency },
            full: kind === 'void' || refunded >= sale.total.amount,
          },
          null,
          at,
        ),
      );
    }
    const result = this.store.recordRefund({
      refund: { id: refundId, saleId: sale.id, kind, tillRefundId: refundKey ?? null, amount: amount ?? null, createdAt: at.toISOString() },
      entries,
      outbox,
    });
    const view = this.refundView(result.refund, result.sale, entries, notRecovered);
    if (outbox.length > 0) this.emit('outboxChanged');
    this.emit('refundRecorded', view);
    return view;
  }

  // ---- claims from the hub ------------------------------------------------------------------

  /** A claim the hub accepted (phone or staff): the entries join this kiosk's ledger, once. */
  applyClaimAccepted(claim: ClaimAccepted): void {
    const sale = this.store.getSale(claim.saleKey);
    const at = claim.at;
    if (sale && (sale.status === 'recorded' || sale.status === 'partly-refunded')) {
      this.store.claimSale({ saleId: sale.id, memberId: claim.member.id, at, entries: claim.entries });
    } else if (sale) {
      // Voided or refunded in full here while the hub, not yet told, accepted its claim: keep the hub's
      // entries and take them back at once, with the ids the hub uses when its saleReversed arrives.
      this.store.appendEntries(claim.entries);
      this.reverseLateClaim(sale, claim.member.id);
    } else {
      // A sale this kiosk no longer has (restored store): keep the member's entries all the same.
      this.store.appendEntries(claim.entries);
    }
    this.emit('claimAccepted', claim);
  }

  /**
   * Stamps a claim brings that the hub has not written yet: a phone claim that reached the hub before
   * this kiosk's sale report, in a program with several stamp cards, pays its points at once and holds
   * its stamps until the report names the cards (core/claims claimStampsWait, the hub's
   * landWaitingStamps). The thank-you shows them all the same, as this kiosk rang them; 0 when the
   * claim carries its stamps or the sale was refunded here since.
   */
  stampsAwaitingReport(claim: ClaimAccepted): number {
    if (claim.stamps !== 0 || claim.entries.some((e) => e.memberId === claim.member.id && e.stamps !== 0)) return 0;
    const sale = this.store.getSale(claim.saleKey);
    if (!sale?.earned || sale.status !== 'recorded') return 0;
    const stamps = sum(Object.values(sale.earned.stampsByCard));
    return claimStampsWait(this.programAt(new Date(claim.at)), stamps, false) ? stamps : 0;
  }

  private reverseLateClaim(sale: StoredSale, memberId: string): void {
    try {
      const reversal = reverseSale({
        program: this.program,
        saleId: sale.id,
        saleEntries: this.store.entriesForSale(sale.id).filter((e) => e.memberId === memberId),
        memberEntries: this.store.entriesForMember(memberId),
        refund: 'full',
        at: this.now(),
        ids: lateClaimReversalIds(sale.id, sale.refunded),
      });
      this.store.appendEntries(reversal.entries);
    } catch (error) {
      // Already taken back (the same claim delivered again): nothing to do.
      if (!(error instanceof LoyaltyError)) throw error;
    }
  }

  // ---- staff claims while the hub is down ---------------------------------------------------

  /**
   * Staff claim a sale for a member with the hub down (SyncClient.claimSale threw HubOfflineError):
   * the member is attached, the claim's entries (core/claims `claimEarnEntries`, base id `claim:<saleKey>:offline`)
   * written and `saleClaimed` queued, in one store transaction. The hub decides later; if a phone was
   * first it answers `claimRefused` (applyClaimRefused). A second call for the same member is a no-op.
   */
  claimSaleOffline(input: { saleId: string; memberId: string }): OfflineClaim {
    const sale = this.store.getSale(input.saleId);
    if (!sale) throw new Refusal('not_found', `no sale ${JSON.stringify(input.saleId)} on this kiosk`);
    const member = this.store.getMember(input.memberId);
    if (!member) throw new Refusal('not_found', `no member ${JSON.stringify(input.memberId)} on this kiosk`);
    const token = sale.claimToken === null ? undefined : peekClaimToken(sale.claimToken);
    if (!token?.ok) throw new Refusal('invalid_request', `sale ${sale.id} has no claim QR: a member was attached at the till`);
    const at = this.now();
    if (sale.memberId === null && token.data.expiresAt.getTime() < at.getTime()) {
      throw new Refusal('conflict', `the claim QR of sale ${sale.id} expired at ${token.data.expiresAt.toISOString()}: nothing written`);
    }
    // The member-aware earn every claim goes through (core/claims claimEarnEntries), as the hub would derive it.
    const program = this.programAt(at);
    let entries: LedgerEntry[] | undefined;
    try {
      entries = claimEarnEntries({
        program,
        member: this.memberState(member, at, program),
        saleKey: sale.id,
        via: 'offline',
        total: token.data.total,
        // The token's signed figures; the cards from the sale's own record (null before store migration 8: the first card).
        points: token.data.points,
        stamps: token.data.stamps,
        stampsByCard: sale.earned?.stampsByCard,
        reversal: sale.refunded > 0 ? { total: sale.total.amount, refunded: sale.refunded, full: sale.status !== 'partly-refunded' } : undefined,
        at,
      });
    } catch (error) {
      return asRefusal(error);
    }
    if (!entries) throw new Refusal('conflict', `sale ${sale.id} is ${sale.status}: it has no points to claim`);
    const entry = entries[0]!;
    try {
      const result = this.store.claimSale({
        saleId: sale.id,
        memberId: member.id,
        at: entry.at,
        entries,
        outbox: [this.outboxMessage('saleClaimed', { saleId: sale.id, saleNo: token.data.saleNo, memberId: member.id, entries }, member.id, at)],
      });
      if (result.status === 'already-claimed') throw new Refusal('conflict', `sale ${sale.id} was already claimed for another member`);
      if (result.status === 'claimed') this.emit('outboxChanged');
      // What this member holds of the sale (a retry answers the claim made the first time).
      const claimed = claimTotals(
        this.store.entriesForSale(sale.id).filter((e) => e.id === entry.id || e.id.startsWith(`${entry.id}:`)),
        member.id,
      );
      const balance = this.store.balance(member.id);
      return {
        saleId: sale.id,
        saleNo: token.data.saleNo,
        created: result.status === 'claimed',
        member: { id: member.id, code: member.code, name: member.name },
        points: claimed.points,
        stamps: claimed.stamps,
        balance: { points: balance.points, stamps: balance.stamps },
      };
    } catch (error) {
      return asRefusal(error);
    }
  }

  /** The hub refused a claim made here offline (a phone was first): its rows of the sale join this ledger, once. */
  applyClaimRefused(refused: ClaimRefused): void {
    this.store.settleRefusedClaim({ saleId: refused.saleKey, winnerId: refused.winner.id, entries: refused.entries });
    this.emit('claimRefused', refused);
  }

  /**
   * Entries the hub derived for one of this kiosk's sales after it synced (a referral, stamps that
   * waited for the sale's report) join this ledger once, by id, so that a refund here reverses them
   * with the sale's own. Refunds made here before they arrived take their share of them at once, by
   * the same rules (core/ledger/reverse reverseLateEntries), reported to the hub like any refund.
   */
  applySaleEntriesDerived(derived: SaleEntriesDerived): void {
    const late = derived.entries.filter((e) => this.store.getEntry(e.id) === undefined);
    if (late.length === 0) return;
    const at = this.now();
    const { entries } = reverseLateEntries({
      program: this.program,
      saleId: derived.saleKey,
      saleEntries: withoutRefusedClaims(this.store.entriesForSale(derived.saleKey)),
      late,
      memberEntries: [...new Set(late.map((e) => e.memberId))].flatMap((id) => this.store.entriesForMember(id)),
      at,
      ids: this.newId,
    });
    const memberId = this.store.getSale(derived.saleKey)?.memberId ?? null;
    const outbox = entries.length === 0 ? [] : [this.outboxMessage('ledgerAppended', { entries }, memberId, at)];
    // The late entries and what the refunds already made take of them, in one transaction: a delivery sent again finds them and writes nothing.
    this.store.appendEntries([...late, ...entries], outbox);
    if (outbox.length > 0) this.emit('outboxChanged');
  }

  // ---- members ------------------------------------------------------------------------------

  /** A member by card code (as printed or scanned from the card QR) or by phone number in any format. */
  getMember(codeOrPhone: string): MemberView | undefined {
    const member = this.findMember(codeOrPhone);
    return member && this.memberView(member);
  }

  /** The store's member for a card code or a phone number / e-mail typed in any format. */
  findMember(codeOrContact: string): Member | undefined {
    const byCode = this.store.findMemberByCode(codeOrContact.trim().toUpperCase()) ?? this.store.findMemberByCode(codeOrContact);
    if (byCode) return byCode;
    const contact = contactOrUndefined(codeOrContact, this.region());
    return contact && this.store.findMemberByContact(contact);
  }

  /** Staff search on this kiosk's replica of the member directory (works offline), best first. */
  searchMembers(query: string, limit = 20): Member[] {
    return this.store.searchMembers(query, limit, this.region());
  }

  searchMemberViews(query: string): MemberView[] {
    return this.searchMembers(query).map((m) => this.memberView(m));
  }

  /**
   * A member's balance as staff, the till and the receipt see it. Once the hub's directory has named
   * the member, the hub's balance and stamps per card (every kiosk and the phone) plus what this kiosk
   * wrote that the hub has not acknowledged yet; before that, this kiosk's own ledger.
   */
  memberBalance(member: Member): { points: number; stamps: number; stampsByCard: Record<string, number> } {
    const local = this.store.balance(member.id);
    const hub = this.store.hubView(member.id);
    if (!hub) return { points: local.points, stamps: local.stamps, stampsByCard: local.stampsByCard };
    // The hub's figure may already hold a message still pending here: it applies a batch and sends the
    // member's change before its ack arrives. Its sales list names the sales it holds, as in
    // mergedMemberState (a reversal still pending here is counted: the hub lists the sale before it).
    const held = new Set(hub.earn?.sales.map((s) => s.saleId));
    const pending = this.pendingEntries(new Set([member.id, ...this.store.mergedIds(member.id)])).filter(
      (e) => e.saleId === null || !held.has(e.saleId) || e.kind === 'reversal',
    );
    // An older hub sends no cards: this kiosk's own count of them is all there is.
    const cards = { ...(hub.stampsByCard ?? local.stampsByCard) };
    if (hub.stampsByCard) for (const [card, n] of Object.entries(stampsByCard(pending))) cards[card] = (cards[card] ?? 0) + n;
    return {
      points: hub.points + sum(pending.map((e) => e.points)),
      stamps: hub.stamps + sum(pending.map((e) => e.stamps)),
      stampsByCard: Object.fromEntries(Object.entries(cards).filter(([, n]) => n !== 0)),
    };
  }

  /** The ledger entries of these member ids in outbox messages the hub has not acknowledged yet. */
  private pendingEntries(memberIds: ReadonlySet<string>): LedgerEntry[] {
    const found: LedgerEntry[] = [];
    for (const message of this.store.pendingOutbox(1000)) {
      const entries = (message.payload as { entries?: LedgerEntry[] } | null)?.entries ?? [];
      for (const e of entries) if (memberIds.has(e.memberId)) found.push(e);
    }
    return found;
  }

  memberView(member: Member): MemberView {
    // The tier her next sale earns with, from her whole history (the hub's replica and this kiosk's own).
    const program = this.program;
    const tierId = this.memberState(member, this.now(), program).tierId;
    const tier = tierId === undefined ? undefined : program.tiers?.levels.find((level) => level.id === tierId);
    const balance = this.memberBalance(member);
    return { code: member.code, name: member.name, points: balance.points, stamps: balance.stamps, tier: tier?.name ?? null };
  }

  /** Enrols at the till (POST /v1/members): the member the contact already belongs to, or a new one. */
  async enrolMember(request: EnrolMemberRequest): Promise<{ created: boolean; member: MemberView }> {
    let contact: { phone: string | null; email: string | null };
    try {
      contact = normalizeContact(request.contact, this.region());
    } catch (error) {
      if (error instanceof ContactError) throw new Refusal('invalid_request', error.message);
      throw error;
    }
    const locale = request.locale ?? (this.program.locale as Locale);
    const result = this.enrollMember({
      name: request.name,
      phone: contact.phone ?? undefined,
      email: contact.email ?? undefined,
      locale,
      consentText: 'till-enrolment-v1',
    });
    return { created: result.created, member: this.memberView(result.member) };
  }

  /**
   * A page of the hub's member directory: stored with the cursor in one transaction (the replica
   * staff search offline). New members get the shop's language until they choose one.
   */
  applyMemberChanges(changes: readonly MemberChange[], cursor: number): { applied: number } {
    // Replication may run before the program arrives: then the shop's settings say its language.
    const shopLocale = this.heldProgramAt(this.now())?.locale ?? this.shopSettings().settings.locale;
    const locale = (['pl', 'hu', 'sk', 'cs', 'de', 'en'] as const).find((l) => l === shopLocale) ?? 'en';
    const result = this.store.applyMemberChanges(changes, cursor, { locale, at: this.now().toISOString() });
    if (result.applied > 0) this.emit('membersChanged', result.applied);
    return result;
  }

  /** The highest change of the hub's member directory this kiosk holds. */
  memberCursor(): number {
    return this.store.memberCursor();
  }

  private region(): ReturnType<typeof regionForLocale> {
    return regionForLocale(this.program.locale);
  }

  health(): HealthView {
    // `program`: 'waiting' while a paired kiosk has not received its shop's program (it rings up nothing).
    const services = Object.fromEntries([['store', 'ok'], ['program', this.programReady ? 'ok' : 'waiting'], ...this.serviceStatus]);
    const degraded = !this.programReady || [...this.serviceStatus.values()].some((status) => status !== 'ok' && status !== 'online');
    const { settings, location, fromHub } = this.shopSettings();
    return { status: degraded ? 'degraded' : 'ok', version: this.version, services, shop: { name: settings.name, locale: settings.locale, location, fromHub } };
  }

  // ---- the kiosk's own screens (staff mode) --------------------------------------------------

  /**
   * Staff attach a member to an unclaimed sale (scanned card or search). The hub decides that a sale
   * is claimed once, so this needs the hub; offline it is refused in words and nothing changes.
   */
  async attachMemberToSale(saleId: string, memberId: string, hub: HubClaimPort): Promise<ClaimAccepted> {
    const sale = this.store.getSale(saleId);
    if (!sale) throw new KioskError('saleNotFound', `There is no sale ${saleId} on this kiosk.`);
    if (sale.memberId !== null) throw new KioskError('alreadyClaimed', 'This sale already has a member: its points were given.');
    if (sale.status !== 'recorded' || sale.claimToken === null) throw new KioskError('saleClosed', `This sale is ${sale.status}: no member can be added.`);
    const member = this.store.getMember(memberId);
    if (!member) throw new KioskError('memberNotFound', 'No member with that card on this kiosk.');
    // The hub decides when it answers; when it cannot, the kiosk claims offline and the hub settles it later.
    const outcome = await staffClaim({ sync: hub, service: this }, { saleId, token: sale.claimToken, memberId: member.id });
    if (outcome.via === 'hub') {
      this.emit('staffClaimed', { saleId, claim: outcome.accepted });
      return outcome.accepted;
    }
    if (outcome.via === 'offline') {
      const { claim } = outcome;
      const accepted: ClaimAccepted = {
        deliveryId: `offline:${claim.saleId}`,
        saleKey: claim.saleId,
        saleNo: claim.saleNo,
        via: 'staff',
        member: { id: claim.member.id, no: 0, name: claim.member.name },
        points: claim.points,
        stamps: claim.stamps,
        balance: claim.balance,
        progress: { next: progressToReward(this.program, this.store.balance(claim.member.id)), tier: null },
        entries: [],
        at: this.now().toISOString(),
      };
      if (claim.created) this.emit('staffClaimed', { saleId, claim: accepted });
      return accepted;
    }
    switch (outcome.reason) {
      case 'already-claimed':
        throw new KioskError('alreadyClaimed', 'The customer already collected the points for this sale.');
      case 'expired':
        throw new KioskError('saleClosed', 'The QR of this sale has expired: no member can be added.');
      case 'unknown-member':
        throw new KioskError('memberNotFound', 'The hub does not know this member yet (just enrolled?) — try again in a moment.');
      case 'sale-refunded':
        throw new KioskError('saleRefunded', 'This sale was refunded: it earns no points, no member can be added.');
      case 'too-many-attempts':
        throw new KioskError('hubBusy', `The hub asks this kiosk to slow down — wait a few seconds and try again (${outcome.message}).`);
      // The kiosk's own token or credentials were refused: not something staff can fix at the counter.
      case 'malformed':
      case 'unsupported-version':
      case 'unknown-kiosk':
      case 'bad-signature':
      case 'wrong-shop':
      case 'invalid-request':
      case 'exceeds-program':
        throw new Error(`hub refused the claim: ${outcome.reason} — ${outcome.message}`);
    }
  }

  /**
   * The receipt of a sale (core/receipt `saleReceiptInput`), in the language and shop of the program
   * the sale was rung under. A member sale's balance and progress are the member's full balance after
   * the sale's entries (`memberBalance`, as the till API answers it), unless `member` gives them (a
   * claim the hub accepted, with the hub's balance). An unclaimed sale carries its claim QR.
   */
  saleReceipt(sale: SaleView, member?: ReceiptMember): ReceiptInput {
    const program = this.programAt(new Date(sale.createdAt));
    const stored = member === undefined && sale.memberCode !== null ? this.store.findMemberByCode(sale.memberCode) : undefined;
    const { settings, location, fromHub } = this.shopSettings();
    const own = stored ? receiptMember(program, stored.name, this.memberBalance(stored), fromHub ? settings.locale : program.locale) : undefined;
    const printed = member ?? own;
    const shop = fromHub ? { ...receiptHeader(settings, location), locale: settings.locale, timeZone: settings.timeZone } : undefined;
    return saleReceiptInput({ program, sale, ...(printed ? { member: printed } : {}), ...(shop ? { shop } : {}) });
  }

  /**
   * Enrols a member at the till with consent. The member code is a layout-safe member code in this
   * kiosk's own number range (2^39 + kioskNo·2^20 + n), so kiosks never hand out the same code; the
   * hub hears of the member through the outbox, in the same transaction.
   */
  enrollMember(input: { name?: string | undefined; phone?: string | undefined; email?: string | undefined; locale: Locale; consentText: string }): {
    created: boolean;
    member: Member;
  } {
    let phone: string | null;
    let email: string | null;
    try {
      phone = input.phone === undefined ? null : normalizePhone(input.phone, this.region());
      email = input.email === undefined ? null : normalizeEmail(input.email);
    } catch (error) {
      if (error instanceof ContactError) throw new KioskError('invalidContact', error.message);
      throw error;
    }
    // One person, one member: a contact the replica (this kiosk's or the hub's directory) knows is that member.
    const known = this.store.findMemberByContact({ phone, email });
    if (known) return { created: false, member: known };
    const at = this.now().toISOString();
    const id = this.newId();
    const member: MemberInput = {
      id,
      code: '',
      name: input.name?.trim() || null,
      phone,
      email,
      consentAt: at,
      consentText: input.consentText,
      locale: input.locale,
      createdAt: at,
    };
    try {
      const created = this.store.atomically(() => {
        const code = this.nextMemberCode();
        return this.store.createMember({ ...member, code }, [
          {
            id: this.newId(),
            topic: 'memberEnrolled',
            memberId: id,
            createdAt: at,
            payload: { id, name: member.name ?? null, phone, email, consentAt: at, code },
          },
        ]);
      });
      this.emit('outboxChanged');
      return { created: true, member: created.member };
    } catch (error) {
      if (error instanceof StoreConflictError) throw new KioskError('memberExists', error.message);
      throw error;
    }
  }

  /**
   * Redeems a reward for a member through the rules (points due to expire go first), debited
   * atomically by the store: refused, with nothing written, when the balance does not cover it.
   */
  redeemForMember(memberId: string, rewardId: string, saleId: string | null = null): { debit: LedgerEntry; reward: Reward } {
    if (!this.store.getMember(memberId)) throw new KioskError('memberNotFound', `No member ${memberId} on this kiosk.`);
    let redeemed: ReturnType<typeof redeemReward>;
    try {
      redeemed = redeemReward({
        program: this.program,
        memberId,
        memberEntries: this.store.entriesForMember(memberId),
        rewardId,
        saleId,
        at: this.now(),
        ids: this.newId,
      });
    } catch (error) {
      if (error instanceof LoyaltyError) {
        throw new KioskError(error.code === 'unknown_reward' ? 'rewardNotFound' : 'notEnoughPoints', error.message);
      }
      throw error;
    }
    this.writeRedemption(redeemed.entries, redeemed.reward);
    return { debit: redeemed.debit, reward: redeemed.reward };
  }

  /** How the kiosk asks the hub to redeem a voucher (the sync client; linkServiceToHub sets it). */
  private voucherHub: HubVoucherPort | undefined;

  setVoucherHub(hub: HubVoucherPort): void {
    this.voucherHub = hub;
  }

  /** A voucher's signed data, checked with the hub's public key: refusals in words, nothing changed. */
  private verifiedVoucher(code: string, hubPublicKey: Uint8Array): { data: VoucherData; reward: Reward } {
    const verified = verifyVoucher(code, { hubPublicKey, shopNo: this.identity.shopNo, now: this.now() });
    if (!verified.ok) {
      if (verified.reason === 'expired') throw new KioskError('voucherExpired', 'This voucher has expired — nothing was redeemed.');
      throw new KioskError('voucherInvalid', `This is not a valid voucher of this shop (${REFUSAL_LOG[verified.reason]}) — nothing was redeemed.`);
    }
    const reward = rewardByKey(this.program.rewards, verified.data.rewardKey);
    if (!reward) throw new KioskError('rewardNotFound', 'The voucher names a reward this shop no longer offers — nothing was redeemed.');
    return { data: verified.data, reward };
  }

  /**
   * Redeems a hub-signed voucher (the full `R…` code). Its points were held by the hub when it was
   * issued, so redeeming debits nothing more: the kiosk's ledger gets the same hold row the hub wrote.
   * Online the hub decides, once for the whole shop (a second kiosk is told where and when it was
   * redeemed); when the hub cannot be asked the kiosk accepts the voucher on its signature, records
   * the redemption and reports it (`voucherRedeemed`), and the hub keeps the first at sync.
   * `redemptionId` (chosen by the caller, e.g. the till) makes a retry answer the same redemption.
   */
  async redeemVoucher(
    code: string,
    hubPublicKey: Uint8Array,
    options: { redemptionId?: string | undefined; hub?: HubVoucherPort; memberIdForHubNo?: (no: number) => string | undefined } = {},
  ): Promise<VoucherRedeemed> {
    const { data: v, reward } = this.verifiedVoucher(code, hubPublicKey);
    const standing = this.store.voucherRedemption({ voucherId: v.voucherId });
    if (standing) {
      const done = this.redeemedView(standing);
      if (options.redemptionId !== undefined && standing.redemptionId === options.redemptionId) return done;
      throw new VoucherAlreadyRedeemed(done.where, done.at);
    }
    if (options.redemptionId !== undefined && this.store.voucherRedemption({ redemptionId: options.redemptionId })) {
      throw new Refusal('conflict', `redemptionId ${options.redemptionId} was already used for another voucher; nothing was redeemed`);
    }
    if (this.store.getEntry(voucherRedemptionEntryId(v.voucherId)))
      throw new KioskError('voucherUsed', 'This voucher was already used — nothing was redeemed.');
    const redemptionId = options.redemptionId ?? this.newId();
    const hub = options.hub ?? this.voucherHub;
    let answer: RedeemVoucherResult | undefined;
    if (hub?.connected) {
      try {
        answer = await hub.redeemVoucher(code, redemptionId);
      } catch {
        answer = undefined; // no answer in time: redeemed offline below, the hub settles it at sync
      }
    }
    const card = 'card' in reward.cost ? reward.cost.card : undefined;
    const localMember = this.store.findMemberByCode(memberCodeFor(v.memberNo))?.id ?? options.memberIdForHubNo?.(v.memberNo);
    if (answer && !answer.ok) {
      if (answer.reason === 'already-redeemed' && answer.redeemed) throw new VoucherAlreadyRedeemed(answer.redeemed.kioskName, answer.redeemed.at);
      if (answer.reason === 'expired') throw new KioskError('voucherExpired', 'This voucher has expired — nothing was redeemed.');
      throw new KioskError('voucherInvalid', `The hub refused this voucher: ${answer.message} — nothing was redeemed.`);
    }
    const at = this.now().toISOString();
    const result: VoucherRedemptionResult = answer
      ? {
          rewardId: reward.id,
          memberId: answer.member.id,
          memberName: answer.member.name,
          hubMemberNo: v.memberNo,
          where: answer.redemption.kioskName,
          at: answer.redemption.at,
        }
      : { rewardId: reward.id, memberId: localMember ?? null, memberName: null, hubMemberNo: v.memberNo, where: null, at };
    const memberId = result.memberId;
    // The hold the hub wrote at issue: its own row when it answered, else the same row derived from the voucher.
    const hold = answer?.ok ? answer.hold : memberId === null ? null : voucherHoldEntry(v, memberId, { ruleId: card ?? reward.id, label: reward.name });
    const recorded = this.store.recordVoucherRedemption({
      redemption: { voucherId: v.voucherId, redemptionId, via: answer ? 'hub' : 'offline', at: result.at, result },
      entries: hold ? [hold] : [],
      outbox: answer ? [] : [this.outboxMessage('voucherRedeemed', { voucherId: v.voucherId, redemptionId }, memberId, this.now())],
    });
    if (recorded.status === 'duplicate') {
      const done = this.redeemedView(recorded.redemption);
      if (recorded.redemption.redemptionId === redemptionId) return done;
      throw new VoucherAlreadyRedeemed(done.where, done.at);
    }
    if (!answer) this.emit('outboxChanged');
    return { ...this.redeemedView(recorded.redemption), created: true };
  }

  /** What this kiosk knows of a voucher (the till's GET): its reward, cost, and whether it was redeemed here. */
  voucherStatus(
    code: string,
    hubPublicKey: Uint8Array,
  ): { data: VoucherData; reward: Reward; status: 'valid' | 'redeemed' | 'expired'; redeemed: VoucherRedeemed | null } {
    let checked: { data: VoucherData; reward: Reward };
    let expired = false;
    try {
      checked = this.verifiedVoucher(code, hubPublicKey);
    } catch (error) {
      if (!(error instanceof KioskError) || error.reason !== 'voucherExpired') throw error;
      // Read as at its issue to show what it was for; it is still refused.
      const read = verifyVoucher(code, { hubPublicKey, shopNo: this.identity.shopNo, now: new Date(0) });
      const reward = read.ok ? rewardByKey(this.program.rewards, read.data.rewardKey) : undefined;
      if (!read.ok || !reward) throw error;
      checked = { data: read.data, reward };
      expired = true;
    }
    const standing = this.store.voucherRedemption({ voucherId: checked.data.voucherId });
    const redeemed = standing ? this.redeemedView(standing) : null;
    return { ...checked, status: redeemed ? 'redeemed' : expired ? 'expired' : 'valid', redeemed };
  }

  // ---- vouchers at the till API ---------------------------------------------------------------

  private hubKey(): Uint8Array {
    if (!this.identity.hubPublicKey) throw new Refusal('unavailable', 'this kiosk has no hub voucher key yet: pair it with the hub');
    return hexToBytes(this.identity.hubPublicKey);
  }

  /** The till's words for a voucher refusal (HTTP status by code). */
  private tillVoucherRefusal(error: unknown): never {
    if (error instanceof VoucherAlreadyRedeemed) throw new Refusal('conflict', error.message, { where: error.where, at: error.at });
    if (error instanceof KioskError) {
      const code = error.reason === 'voucherInvalid' ? 'invalid_request' : error.reason === 'rewardNotFound' ? 'not_found' : 'conflict';
      throw new Refusal(code, error.message);
    }
    throw error;
  }

  getVoucher(code: string): TillVoucherView {
    try {
      const v = this.voucherStatus(code, this.hubKey());
      return this.tillVoucherView(v.data, v.reward, v.status, v.redeemed);
    } catch (error) {
      return this.tillVoucherRefusal(error);
    }
  }

  async redeemVoucherForTill(code: string, request: RedeemVoucherRequest): Promise<{ created: boolean; redemption: VoucherRedemptionView }> {
    try {
      const key = this.hubKey();
      const r = await this.redeemVoucher(code, key, { redemptionId: request.redemptionId });
      const v = this.voucherStatus(code, key);
      return { created: r.created, redemption: { redemptionId: r.redemptionId, via: r.via, voucher: this.tillVoucherView(v.data, v.reward, 'redeemed', r) } };
    } catch (error) {
      return this.tillVoucherRefusal(error);
    }
  }

  private tillVoucherView(data: VoucherData, reward: Reward, status: TillVoucherView['status'], redeemed: VoucherRedeemed | null): TillVoucherView {
    return {
      voucherId: data.voucherId,
      status,
      reward: { id: reward.id, name: reward.name },
      cost: { points: data.costPoints, stamps: data.costStamps },
      discount: reward.kind === 'amountOff' ? { amount: reward.amount, currency: this.program.currency } : null,
      percentOff: reward.kind === 'percentOff' ? Math.round(reward.percent) : null,
      handOver: reward.kind === 'freeProduct' ? reward.product : null,
      memberCode: memberCodeFor(data.memberNo),
      expiresAt: data.expiresAt.toISOString(),
      redeemed: redeemed && { redemptionId: redeemed.redemptionId, at: redeemed.at, where: redeemed.where, via: redeemed.via },
    };
  }

  private redeemedView(stored: StoredVoucherRedemption): VoucherRedeemed {
    const r = stored.result as VoucherRedemptionResult;
    const reward = this.program.rewards.find((x) => x.id === r.rewardId);
    return {
      voucherId: stored.voucherId,
      redemptionId: stored.redemptionId,
      via: stored.via,
      reward: reward ?? null,
      rewardId: r.rewardId,
      memberId: r.memberId,
      memberName: r.memberName,
      hubMemberNo: r.hubMemberNo,
      where: r.where ?? 'this kiosk',
      at: r.at,
      created: false,
    };
  }

  /**
   * The hub applied a voucher this kiosk redeemed offline and says whose redemption stands: this
   * kiosk's (it is named as the hub names it) or another kiosk's, which staff are told from then on
   * ("already redeemed at Till B"); the reward handed over here is the owner's conflict to look into.
   */
  applyVoucherSettled(standing: VoucherStanding): void {
    const stored = this.store.voucherRedemption({ redemptionId: standing.redemptionId });
    if (!stored || stored.voucherId !== standing.voucherId) return;
    const result = stored.result as VoucherRedemptionResult;
    this.store.updateVoucherRedemptionResult(standing.redemptionId, { ...result, where: standing.kioskName, at: standing.at, stands: standing.stands });
  }

  private writeRedemption(entries: LedgerEntry[], reward: Reward): void {
    const memberId = entries[0]!.memberId;
    const result = this.store.redeem({ entries, outbox: [this.outboxMessage('ledgerAppended', { entries }, memberId, this.now())] });
    if (result.status === 'duplicate')
      throw new KioskError('voucherUsed', `"${reward.name}" was already redeemed with this code — nothing was redeemed again.`);
    if (result.status === 'insufficient') {
      throw new KioskError('notEnoughPoints', `Not enough for "${reward.name}": ${result.balance.points} points held — nothing was redeemed.`);
    }
    this.emit('outboxChanged');
  }

  /**
   * What a refund (whole, or `amount`) or a void of a sale would take back, for staff to confirm:
   * the amount and the points, computed as `reverseSaleById` would, with nothing written.
   */
  previewReversalById(
    saleId: string,
    kind: 'refund' | 'void',
    amount?: Money,
  ): { amount: Money; pointsReversed: number; stampsReversed: number; pointsNotRecovered: number } {
    const sale = this.openSale(saleId);
    const rest = { amount: sale.total.amount - sale.refunded, currency: sale.total.currency };
    // Staff confirm what the customer is actually paid back: a cash sale's refund, cash-rounded.
    const paid = kind === 'void' || amount === undefined ? undefined : this.staffPaidBack(sale, amount);
    try {
      const { entries, notRecovered } = this.planReversal(sale, paid, this.now());
      return {
        amount: paid ?? rest,
        pointsReversed: -sum(entries.map((e) => e.points)),
        stampsReversed: -sum(entries.map((e) => e.stamps)),
        pointsNotRecovered: notRecovered,
      };
    } catch (error) {
      if (error instanceof Refusal && error.code === 'refund_exceeds_sale') throw new KioskError('refundTooLarge', error.message);
      return asRefusal(error);
    }
  }

  private openSale(saleId: string): StoredSale {
    const sale = this.store.getSale(saleId);
    if (!sale) throw new KioskError('saleNotFound', `There is no sale ${saleId} on this kiosk.`);
    if (sale.status === 'voided' || sale.status === 'refunded') throw new KioskError('saleClosed', `This sale is already ${sale.status}.`);
    return sale;
  }

  /** `paidBack` for the staff screen, which words a refund that rounds to nothing in cash for staff. */
  private staffPaidBack(sale: StoredSale, amount: Money): Money {
    const paid = this.paidBack(sale, amount);
    if (paid.amount <= 0) {
      throw new KioskError('refundBelowCashStep', `A refund of ${formatMoney(amount, 'en')} rounds to nothing in cash: key a larger amount.`);
    }
    return paid;
  }

  /** A refund (whole, or `amount`) or a void of a sale by its id, from the staff screen. */
  reverseSaleById(saleId: string, kind: 'refund' | 'void', amount?: Money): RefundView {
    const sale = this.openSale(saleId);
    if (kind === 'refund' && amount !== undefined) this.staffPaidBack(sale, amount);
    try {
      // A refund without an amount gives back what is left of the sale.
      const refundAmount = kind === 'refund' && amount === undefined ? { amount: sale.total.amount - sale.refunded, currency: sale.total.currency } : amount;
      return this.reverse(sale, kind, refundAmount, kind === 'void' ? 'void' : amount === undefined ? 'rest' : undefined);
    } catch (error) {
      if (error instanceof Refusal && error.code === 'refund_exceeds_sale') throw new KioskError('refundTooLarge', error.message);
      return asRefusal(error);
    }
  }

  recentSales(limit: number): StoredSale[] {
    return this.store.recentSales(limit);
  }

  /**
   * Today's figures in the shop's time zone, defined as the owner's dashboard defines them and computed
   * by the same function (core/metrics `dashboard`): a sale counts with its total net of refunds, a
   * voided or fully refunded sale not at all; points earned are the positive points of earn and bonus
   * entries, redeemed the points of redeem entries. Points that refunds and voids took back are given
   * beside them (the dashboard's earned points do not subtract them either).
   */
  todayFigures(): {
    sales: number;
    salesTotal: number;
    memberSales: number;
    claims: number;
    pointsIssued: number;
    pointsTakenBack: number;
    pointsRedeemed: number;
    redemptions: number;
    enrollments: number;
    refunds: number;
  } {
    const now = this.now();
    // The shop's day as the hub's settings give it (the dashboard's too), not the program's zone.
    const timeZone = this.shopSettings().settings.timeZone;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    const from = zonedMidnight(today, timeZone);
    const to = zonedMidnight(new Date(Date.parse(`${today}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10), timeZone);
    const inDay = (iso: string): boolean => {
      const t = Date.parse(iso);
      return t >= from.getTime() && t < to.getTime();
    };
    const activity = this.store.activitySince(from.toISOString());
    const sales: SaleFact[] = activity.sales
      .filter((s) => s.status !== 'voided')
      .map((s) => ({ id: s.id, total: s.total.amount - s.refunded, at: s.createdAt, memberId: s.memberId, location: this.identity.kioskId }))
      .filter((s) => s.total > 0);
    const d = dashboard({ sales, entries: activity.entries, members: [], from, to, now, timeZone });
    const entries = activity.entries.filter((e) => inDay(e.at));
    return {
      sales: d.sales,
      salesTotal: d.revenue.all,
      memberSales: d.memberSales,
      claims: activity.sales.filter((s) => inDay(s.createdAt) && s.claimedAt !== null).length,
      pointsIssued: d.pointsEarned,
      pointsTakenBack: -sum(entries.filter((e) => e.kind === 'reversal' && e.points < 0).map((e) => e.points)),
      pointsRedeemed: d.pointsRedeemed,
      redemptions: sum(d.rewards.map((r) => r.redemptions)),
      enrollments: activity.enrolled,
      refunds: activity.refunds.filter((r) => inDay(r.createdAt)).length,
    };
  }

  private nextMemberCode(): string {
    const next = Number(this.store.getSetting(MEMBER_NO_SETTING) ?? 1);
    this.store.setSetting(MEMBER_NO_SETTING, next + 1);
    return memberCodeFor(2 ** 39 + this.identity.kioskNo * 2 ** 20 + next);
  }

  // ---- sync ---------------------------------------------------------------------------------

  /** The store's outbox as the sync client wants it. */
  outbox(): OutboxPort {
    return {
      pending: (limit) =>
        this.store.pendingOutbox(limit).map(
          (message) =>
            ({
              id: message.id,
              at: message.createdAt,
              type: message.topic,
              payload: message.payload,
            }) as OutboxMessage,
        ),
      ack: (ids) => {
        this.store.ackOutbox(ids, this.now().toISOString());
      },
    };
  }

  // ---- helpers ------------------------------------------------------------------------------

  private takeSaleNo(): number {
    const next = Number(this.store.getSetting(SALE_NO_SETTING) ?? 1);
    this.store.setSetting(SALE_NO_SETTING, next + 1);
    return next;
  }

  /**
   * What the rules need of the member before a sale: the hub's earn state from the replica (her
   * history at every kiosk and on the phone) merged with this kiosk's entries the hub does not count
   * yet (core/ledger/replica-state), so a member who joined at another kiosk is not welcomed again
   * and an offline kiosk counts its own sales once. Before the hub has named her (or from an older
   * hub), this kiosk's own ledger.
   */
  private memberState(member: Member, at: Date, program: Program): MemberState {
    const profile = {
      id: member.id,
      joinedAt: member.createdAt,
      ...(member.birthday ? { birthday: member.birthday.slice(-5) } : {}),
      ...(member.referredBy ? { referredBy: member.referredBy } : {}),
    };
    const ids = new Set([member.id, ...this.store.mergedIds(member.id)]);
    // Entries written here under an id since merged into her are hers.
    const own = [...ids].flatMap((id) => this.store.entriesForMember(id)).map((e) => (e.memberId === member.id ? e : { ...e, memberId: member.id }));
    const hub = this.store.hubView(member.id)?.earn;
    if (!hub) return memberStateFromEntries(program, profile, own, at);
    const pending = new Set(this.pendingEntries(ids).map((e) => e.id));
    return mergedMemberState(program, profile, hub, own, pending, at);
  }

  /** The payload is typed by the message type from core/sync-protocol's union: what the hub checks on receipt is what is sent. */
  private outboxMessage<T extends OutboxMessage['type']>(
    type: T,
    payload: Extract<OutboxMessage, { type: T }>['payload'],
    memberId: string | null,
    at: Date,
  ): OutboxMessageInput {
    return { id: this.newId(), topic: type, payload, memberId, createdAt: at.toISOString() };
  }

  /**
   * What an unclaimed sale earns, computed again from the stored sale with the rules in effect when it
   * was rung (earnForSale is pure): a retried or looked-up sale answers the same `earned` as the first answer.
   */
  private anonymousSummary(sale: StoredSale): EarnSummary | undefined {
    const at = new Date(sale.createdAt);
    try {
      return earnForSale(
        this.programAt(at),
        anonymousState(at),
        {
          id: sale.id,
          total: sale.total,
          lines: sale.lines.map((line) => ({
            quantity: line.quantity,
            ...(line.category ? { category: line.category } : {}),
            ...(line.sku ? { product: line.sku } : {}),
          })),
        },
        at,
        () => `${sale.id}:again`,
      ).summary;
    } catch {
      // A sale the rules refuse now (a lowered ceiling) still shows what its claim QR pays.
      return undefined;
    }
  }

  private saleView(sale: StoredSale, given?: EarnSummary): SaleView {
    const summary = given ?? (sale.memberId === null ? this.anonymousSummary(sale) : undefined);
    const entries = this.store.entriesForSale(sale.id).filter((e) => e.kind !== 'reversal');
    const token = sale.claimToken === null ? undefined : peekClaimToken(sale.claimToken);
    const fromToken = token?.ok ? token.data : undefined;
    const earnedLines =
      summary && sale.memberId === null
        ? [{ points: summary.points, stamps: sum(Object.values(summary.stamps)), reason: summary.headline }]
        : entries.map((e) => ({ points: e.points, stamps: e.stamps, reason: formatEntryLine(e) }));
    const member = sale.memberId === null ? undefined : this.store.getMember(sale.memberId);
    const claimable = sale.memberId === null && sale.status === 'recorded' && sale.claimToken !== null;
    return {
      saleId: sale.id,
      tillSaleId: sale.tillSaleId ?? sale.id,
      total: sale.total,
      payment: sale.payment,
      refunded: { amount: sale.refunded, currency: sale.total.currency },
      status:
        sale.status === 'voided'
          ? 'voided'
          : sale.status === 'refunded'
            ? 'refunded'
            : sale.status === 'partly-refunded'
              ? 'partially_refunded'
              : sale.memberId !== null
                ? 'claimed'
                : 'open',
      // What the sale earned when rung, as it keeps it; a sale recorded before it kept them: its QR's figures, else its member's entries.
      points: sale.earned?.points ?? fromToken?.points ?? sum(entries.filter((e) => e.memberId === sale.memberId).map((e) => e.points)),
      stamps: sale.earned
        ? sum(Object.values(sale.earned.stampsByCard))
        : (fromToken?.stamps ?? sum(entries.filter((e) => e.memberId === sale.memberId).map((e) => e.stamps))),
      earned: earnedLines,
      claimUrl: claimable && sale.claimToken ? claimUrlFor(this.hubPublicUrl, sale.claimToken) : null,
      claimExpiresAt: claimable && fromToken ? fromToken.expiresAt.toISOString() : null,
      memberCode: member?.code ?? null,
      createdAt: sale.createdAt,
    };
  }

  private saleRecord(sale: StoredSale): SaleRecord {
    const view = this.saleView(sale);
    const token = sale.claimToken === null ? undefined : peekClaimToken(sale.claimToken);
    const claim =
      sale.memberId !== null
        ? 'claimed'
        : sale.status === 'voided' || sale.status === 'refunded' || !token?.ok
          ? 'closed'
          : token.data.expiresAt.getTime() <= this.now().getTime()
            ? 'expired'
            : 'open';
    return {
      ...view,
      source: sale.source,
      claim,
      claimedAt: sale.memberId === null ? null : sale.claimedAt,
      refunds: this.store
        .refundsForSale(sale.id)
        .map((refund) => ({ refundId: refund.id, kind: refund.kind, amount: refund.amount, createdAt: refund.createdAt })),
    };
  }

  private refundView(refund: StoredRefund, sale: StoredSale, entries: readonly LedgerEntry[], notRecovered = 0): RefundView {
    return {
      refundId: refund.id,
      tillSaleId: sale.tillSaleId ?? sale.id,
      amount: refund.amount,
      pointsReversed: -sum(entries.map((e) => e.points)),
      stampsReversed: -sum(entries.map((e) => e.stamps)),
      pointsNotRecovered: notRecovered,
      sale: this.saleView(sale),
    };
  }
}

/** How the kiosk asks the hub to redeem a voucher (the sync client, or a test's stand-in). */
export interface HubVoucherPort {
  readonly connected: boolean;
  redeemVoucher(code: string, redemptionId: string): Promise<RedeemVoucherResult>;
}

/** What a kiosk stores of a voucher it redeemed (voucher_redemptions.result). */
interface VoucherRedemptionResult {
  rewardId: string;
  memberId: string | null;
  memberName: string | null;
  hubMemberNo: number;
  /** The kiosk the hub names as where it was redeemed; null when redeemed here offline and the hub has not settled it yet. */
  where: string | null;
  at: string;
  /** Set once the hub settled an offline redemption: false when another kiosk's redemption stands (`where`, `at` are that one's). */
  stands?: boolean;
}

/** A voucher redeemed: by this call (`created`), or found redeemed under the same redemption id (a retry). */
export interface VoucherRedeemed {
  voucherId: string;
  redemptionId: string;
  via: 'hub' | 'offline';
  /** The reward in the program in effect; null if the shop has removed it since. */
  reward: Reward | null;
  rewardId: string;
  memberId: string | null;
  memberName: string | null;
  hubMemberNo: number;
  where: string;
  at: string;
  created: boolean;
}

/** The voucher was redeemed before, at `where` (a kiosk's name) at `at`: nothing is handed over again. */
export class VoucherAlreadyRedeemed extends KioskError {
  constructor(
    readonly where: string,
    readonly at: string,
  ) {
    super('voucherUsed', `This voucher was already redeemed at ${where} at ${at} — nothing was redeemed.`);
  }
}

/** What the thank-you of a staff claim made offline shows. */
export interface OfflineClaim {
  saleId: string;
  saleNo: number;
  /** False when this member had already claimed the sale here (nothing new written). */
  created: boolean;
  member: { id: string; code: string; name: string | null };
  points: number;
  stamps: number;
  balance: { points: number; stamps: number };
}

/** A sale nobody has claimed yet earns as a returning customer would: no first-purchase bonuses. */
function anonymousState(at: Date): MemberState {
  return { id: 'anonymous', joinedAt: at.toISOString(), visits: 1, firstPurchaseDone: true };
}

/** The position after `sale` in `GET /v1/sales` order, opaque to tills. */
function saleCursor(sale: StoredSale): string {
  return Buffer.from(JSON.stringify([sale.createdAt, sale.id])).toString('base64url');
}

function readSaleCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    // Falls through to the refusal below.
  }
  throw new Refusal('invalid_request', 'cursor: not a cursor this kiosk gave; send the `next` of the page before, unchanged');
}
