import { randomUUID, timingSafeEqual } from 'node:crypto';
import { memberCodeFor } from '../../core/codes';
import { formatMoney } from '../../core/money';
import type { ShopSettings } from '../../core/shop-settings';
import {
  KioskError,
  type Claim,
  type CommandArgs,
  type CommandResult,
  type HubStatus,
  type KioskEvent,
  type KioskServices,
  type MemberSummary,
  type PrinterStatus,
  type Progress,
  type RedeemInstruction,
  type SaleSummary,
  type SaleView as UiSaleView,
  type ScannerStatus,
} from '../../core/contract';
import { formatMessage } from '../../core/i18n/catalog';
import { formatInstant } from '../../core/i18n/dates';
import { isLocale, type Locale } from '../../core/i18n/locales';
import type { CurrencyCode } from '../../core/money';
import { scanMessages, type ScanMessage } from '../../core/i18n/scan';
import { progressToReward, type RewardProgress } from '../../core/program/progress';
import type { Program, Reward } from '../../core/program/schema';
import { rewardName, ruleTextIn } from '../../core/program/texts';
import { classifyScan, type ScanMeaning } from '../../core/scan';
import { claimSaleKey, peekClaimToken } from '../../core/tokens';
import { categoryKeys } from '../../core/program/categories';
import { hexToBytes, type ClaimAccepted, type KioskCredentials } from '../../core/sync-protocol';
import type { SaleView as TillSaleView } from '../../core/till-api';
import type { PrinterStatusEvent, ReceiptPrinter } from '../../hardware/printer';
import type { ScanEvent, ScannerStatusEvent, ScanStream } from '../../hardware/scanner';
import type { KioskStore, Member, StoredSale } from '../store';
import type { SyncClient, SyncStatus } from '../sync/client';
import { PROGRAM_PENDING_MESSAGE, VoucherAlreadyRedeemed, type HubClaimPort, type KioskService, type SaleCreatedEvent, type VoucherRedeemed } from './service';
import type { Clock } from '../../core/clock';

/**
 * The real KioskServices behind the IPC contract: a thin adapter from the contract's shapes to the
 * kiosk service, the store, the printer, the scanners and the hub sync. The rules live in
 * KioskService; this file only translates, and routes every scan (the ONE place a scan becomes an
 * action at the kiosk).
 */
export interface UiServicesOptions {
  service: KioskService;
  store: KioskStore;
  sync: SyncClient;
  printer: ReceiptPrinter;
  printerName: string;
  scanStream: ScanStream;
  credentials: KioskCredentials;
  /** Where phones claim; a scanned claim URL must point here. */
  hubPublicUrl: string;
  staffPin: string;
  /** How long the customer display shows a sale's QR (the receipt's QR stays valid for days). */
  displayQrMs?: number;
  /** How long after a member card scan a scanned receipt QR is claimed for that member. */
  memberScanWindowMs?: number;
  /** How long a refund or void asked on the staff screen is held (and can be undone) before it is recorded; a minute. */
  reversalHoldMs?: number;
  log?: (line: string) => void;
  /** The kiosk's clock (core/clock.ts), the same one the service reads. */
  now: Clock;
}

const LOCALE_SETTING = 'kiosk.locale';
/** Refunds and voids asked on the staff screen that are still held (undo possible), see `hold`. */
const HELD_REVERSALS_SETTING = 'staff.heldReversals';

interface HeldReversal {
  saleId: string;
  kind: 'refund' | 'void';
  amount: { amount: number; currency: CurrencyCode } | null;
  recordAt: string;
}
/** `hub.member.<hub member number>` → { id, name } of a member the hub named in a claim at this kiosk. */
const HUB_MEMBER_SETTING = 'hub.member.';

/** "+48 ••• ••• 321": enough for staff to recognise the customer, not enough to copy. */
function maskPhone(phone: string | null): string | null {
  return phone === null ? null : `${phone.slice(0, 3)} ••• ••• ${phone.slice(-3)}`;
}

function maskEmail(email: string | null): string | null {
  if (email === null) return null;
  const at = email.indexOf('@');
  return at <= 0 ? '•••' : `${email[0]}•••${email.slice(at)}`;
}

function rewardCost(reward: Reward): { points: number; stamps: number; card: string | undefined } {
  return {
    points: 'points' in reward.cost ? reward.cost.points : 0,
    stamps: 'stamps' in reward.cost ? reward.cost.stamps : 0,
    card: 'card' in reward.cost ? reward.cost.card : undefined,
  };
}

function contractProgress(next: RewardProgress | null): Progress | null {
  return next === null ? null : { unit: next.unit, remaining: next.remaining, rewardLabel: next.rewardName.slice(0, 120) };
}

export class KioskUiServices implements KioskServices {
  private readonly o: UiServicesOptions;
  private readonly listeners = new Set<(event: KioskEvent) => void>();
  private readonly offs: Array<() => void> = [];
  private readonly now: Clock;
  private readonly log: (line: string) => void;
  private current: UiSaleView | null = null;
  private lastMemberScan: { memberId: string; at: number } | null = null;
  private lastSyncAt: string | null = null;
  private readonly scanners = new Map<string, ScannerStatusEvent>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** The last things said to staff about scans, newest first (the developer panel shows them). */
  readonly notices: string[] = [];
  /** Members staff enrolled or found lately, newest first (the developer panel offers to scan their cards). */
  readonly recentMembers: { code: string; label: string }[] = [];
  /** The hub, as the service needs it for a claim: first sends what the outbox holds (a member just enrolled). */
  private readonly hub: HubClaimPort;

  constructor(options: UiServicesOptions) {
    this.o = options;
    this.now = options.now;
    this.log = options.log ?? ((line) => console.log(line));
    const { service, printer, scanStream, sync } = options;
    this.hub = {
      get connected(): boolean {
        return sync.connected;
      },
      claimSale: async (token, memberId) => {
        // Offline, the claim is settled on the kiosk at once (staffClaim): no point waiting for a drain.
        if (sync.connected) await this.flushOutbox(3000);
        return sync.claimSale(token, memberId);
      },
    };
    const on = <E extends { on(n: string, l: (...a: never[]) => void): unknown; off(n: string, l: (...a: never[]) => void): unknown }>(
      emitter: E,
      name: string,
      listener: (...a: never[]) => void,
    ): void => {
      emitter.on(name, listener);
      this.offs.push(() => emitter.off(name, listener));
    };
    on(service, 'saleCreated', (e: SaleCreatedEvent) => this.onSaleCreated(e));
    on(service, 'claimAccepted', (claim: ClaimAccepted) => this.onClaimAccepted(claim));
    on(service, 'refundRecorded', (refund: { sale: TillSaleView }) => {
      const state = refund.sale.status;
      if (state !== 'refunded' && state !== 'voided') return;
      if (this.current?.saleId === refund.sale.saleId) this.current = null;
      this.emit({ name: 'saleClosed', payload: { saleId: refund.sale.saleId, reason: state } });
    });
    on(printer, 'printerStatusChanged', (e: PrinterStatusEvent) => this.emit({ name: 'printerStatusChanged', payload: this.printerStatus(e) }));
    on(scanStream, 'scannerStatusChanged', (e: ScannerStatusEvent) => {
      this.scanners.set(e.deviceId, e);
      this.emit({ name: 'scannerStatusChanged', payload: this.scannerStatus() });
    });
    on(scanStream, 'scan', (e: ScanEvent) => {
      void this.routeScan(e.code);
    });
    on(sync, 'status', () => this.emit({ name: 'hubStatusChanged', payload: this.hubStatus() }));
    on(sync, 'drained', () => {
      this.lastSyncAt = this.now().toISOString();
      this.emit({ name: 'hubStatusChanged', payload: this.hubStatus() });
    });
    on(service, 'outboxChanged', () => this.emit({ name: 'hubStatusChanged', payload: this.hubStatus() }));
    on(service, 'shopSettingsStored', (settings: ShopSettings) =>
      this.emit({ name: 'shopChanged', payload: { shopName: settings.name.slice(0, 80), timeZone: settings.timeZone } }),
    );
    // The first program of a paired kiosk (or a new one) reaches the open screens without a reload.
    on(service, 'programVersionsStored', () => {
      const program = service.programReady ? service.program : undefined;
      this.emit({
        name: 'programChanged',
        payload: {
          currency: program?.currency ?? null,
          categoryKeys: program ? categoryKeys(program) : [],
          saleCeiling: program ? service.saleCeiling() : null,
        },
      });
    });
    // Refunds held when the kiosk stopped: recorded now if their minute is over, else when it is.
    this.recordHeldReversals();
    for (const h of this.heldReversals()) this.schedule(h.recordAt);
  }

  /** Detaches from the services (the app is stopping); held refunds stay in the store and are recorded at the next start. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const off of this.offs.splice(0)) off();
    this.listeners.clear();
  }

  subscribe(listener: (event: KioskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: KioskEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log(`ui event listener failed on ${event.name}: ${String(error)}`);
      }
    }
  }

  async checkStaffPin(pin: string): Promise<boolean> {
    const a = Buffer.from(pin);
    const b = Buffer.from(this.o.staffPin);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  // ---- status -------------------------------------------------------------------------------

  private get locale(): Locale {
    const saved = this.o.store.getSetting(LOCALE_SETTING);
    if (isLocale(saved)) return saved;
    return this.o.service.shopSettings().settings.locale;
  }

  /** The program in effect; before a paired kiosk has its hub's, staff are told so in words. */
  private program(): Program {
    if (!this.o.service.programReady) throw new KioskError('programPending', PROGRAM_PENDING_MESSAGE);
    return this.o.service.program;
  }

  private printerStatus(e: PrinterStatusEvent = this.o.printer.status): PrinterStatus {
    const name = this.o.printerName;
    switch (e.state) {
      case 'ready':
        return { state: 'ready', fault: null, name };
      case 'paperLow':
        return { state: 'ready', fault: 'paperLow', name };
      case 'paperOut':
        return { state: 'fault', fault: 'paperOut', name };
      case 'coverOpen':
        return { state: 'fault', fault: 'coverOpen', name };
      // Every way of not reaching the printer is "offline" to staff (the Devices page has the detail).
      case 'connecting':
      case 'disconnected':
      case 'notFound':
      case 'notAnswering':
      case 'offline':
      case 'nonsense':
        return { state: 'fault', fault: 'offline', name };
    }
  }

  private scannerStatus(): ScannerStatus {
    const all = [...this.scanners.values()];
    if (all.length === 0) return { state: 'fault', fault: 'notConfigured', name: null };
    const bad = all.find((s) => s.state === 'disconnected' || s.state === 'failed');
    const shown = bad ?? all[0]!;
    return { state: bad ? 'fault' : 'ready', fault: bad ? 'disconnected' : null, name: shown.deviceId.slice(0, 120) };
  }

  private hubStatus(status: SyncStatus = this.o.sync.status): HubStatus {
    const state = status.state === 'online' ? 'online' : status.state === 'connecting' ? 'connecting' : 'offline';
    return { state, pending: this.o.store.counts().outboxPending, lastSyncAt: this.lastSyncAt };
  }

  private currentSale(): UiSaleView | null {
    if (this.current && (this.current.state !== 'open' || Date.parse(this.current.expiresAt) <= this.now().getTime())) this.current = null;
    return this.current;
  }

  async getStatus(): Promise<CommandResult<'getStatus'>> {
    // No program yet: no currency to key amounts in (the staff screen says why and takes no sale).
    const program = this.o.service.programReady ? this.o.service.program : undefined;
    const { settings } = this.o.service.shopSettings();
    return {
      shopName: settings.name.slice(0, 80),
      timeZone: settings.timeZone,
      kioskId: this.o.credentials.kioskId,
      locale: this.locale,
      currency: program?.currency ?? null,
      printer: this.printerStatus(),
      scanner: this.scannerStatus(),
      hub: this.hubStatus(),
      currentSale: this.currentSale(),
      categoryKeys: program ? categoryKeys(program) : [],
      saleCeiling: program ? this.o.service.saleCeiling() : null,
    };
  }

  async getTodayFigures(): Promise<CommandResult<'getTodayFigures'>> {
    const f = this.o.service.todayFigures();
    return {
      sales: f.sales,
      salesTotal: { amount: f.salesTotal, currency: this.program().currency },
      memberSales: f.memberSales,
      claims: f.claims,
      pointsIssued: f.pointsIssued,
      pointsTakenBack: f.pointsTakenBack,
      pointsRedeemed: Math.max(0, f.pointsRedeemed),
      redemptions: f.redemptions,
      enrollments: f.enrollments,
      refunds: f.refunds,
    };
  }

  // ---- sales --------------------------------------------------------------------------------

  async createSale(args: CommandArgs<'createSale'>): Promise<UiSaleView> {
    // A key's items have no price of their own at the keypad (one amount is typed): their lines carry 0.
    const labels = new Map(categoryKeys(this.program()).map((key) => [key.category, key.label]));
    const lines = (args.lines ?? []).map((line) => ({
      name: labels.get(line.category) ?? line.category,
      category: line.category,
      quantity: line.quantity,
      total: { amount: 0, currency: args.total.currency },
    }));
    const { sale } = await this.o.service.createSale(
      {
        tillSaleId: args.tillSaleId ?? `K-${randomUUID().replaceAll('-', '').slice(0, 12)}`,
        total: args.total,
        ...(lines.length > 0 ? { lines } : {}),
        ...(args.payment ? { payment: args.payment } : {}),
      },
      'keypad',
    );
    const view = this.uiSale(sale);
    if (!view) throw new Error('the sale was recorded but has no claim QR (it already has a member)');
    return view;
  }

  private uiSale(sale: TillSaleView, summary?: SaleCreatedEvent['summary']): UiSaleView | null {
    if (!sale.claimUrl || !sale.claimExpiresAt) return null;
    const issued = Date.parse(sale.createdAt);
    const displayUntil = Math.min(Date.parse(sale.claimExpiresAt), Math.max(issued, this.now().getTime()) + (this.o.displayQrMs ?? 180_000));
    // Only a campaign (core/earn writes its reason code 'campaign'): a tier or welcome bonus is not one.
    const campaign = summary?.applied.find((a) => a.code === 'campaign');
    return {
      saleId: sale.saleId,
      tillSaleId: sale.tillSaleId,
      total: sale.total,
      points: sale.points,
      stamps: sale.stamps,
      campaign: campaign
        ? {
            ruleId: campaign.ruleId,
            label: (ruleTextIn(this.program(), campaign.ruleId, this.locale) ?? campaign.label).slice(0, 120) || campaign.ruleId,
          }
        : null,
      claimUrl: sale.claimUrl,
      issuedAt: sale.createdAt,
      expiresAt: new Date(displayUntil).toISOString(),
      memberId: null,
      state: 'open',
    };
  }

  private onSaleCreated(e: SaleCreatedEvent): void {
    const view = this.uiSale(e.sale, e.summary);
    if (!view) return;
    this.current = view;
    this.emit({ name: 'saleCreated', payload: view });
  }

  private saleState(sale: StoredSale, view: TillSaleView | undefined): SaleSummary['state'] {
    if (sale.status === 'voided') return 'voided';
    if (sale.status === 'refunded') return 'refunded';
    if (sale.memberId !== null) return 'claimed';
    return view?.claimExpiresAt && Date.parse(view.claimExpiresAt) <= this.now().getTime() ? 'expired' : 'open';
  }

  async listRecentSales(args: CommandArgs<'listRecentSales'>): Promise<CommandResult<'listRecentSales'>> {
    this.recordHeldReversals();
    const held = new Map(this.heldReversals().map((h) => [h.saleId, h.recordAt]));
    return {
      sales: this.o.service.recentSales(args.limit).map((sale) => {
        const view = this.o.service.getSaleById(sale.id);
        return {
          saleId: sale.id,
          tillSaleId: sale.tillSaleId,
          total: sale.total,
          points: view?.points ?? 0,
          stamps: view?.stamps ?? 0,
          issuedAt: sale.createdAt,
          memberId: sale.memberId,
          state: this.saleState(sale, view),
          reversalHeldUntil: held.get(sale.id) ?? null,
        };
      }),
    };
  }

  async previewReversal(args: CommandArgs<'previewReversal'>): Promise<CommandResult<'previewReversal'>> {
    if (this.heldReversals().some((h) => h.saleId === args.saleId))
      throw new KioskError('saleClosed', 'A refund of this sale is already waiting to be recorded.');
    const p = this.o.service.previewReversalById(args.saleId, args.kind, args.amount);
    return {
      saleId: args.saleId,
      amount: p.amount,
      pointsReversed: Math.max(0, p.pointsReversed),
      stampsReversed: Math.max(0, p.stampsReversed),
      pointsNotRecovered: p.pointsNotRecovered,
    };
  }

  async refundSale(args: CommandArgs<'refundSale'>): Promise<CommandResult<'refundSale'>> {
    return this.hold(args.saleId, 'refund', args.amount);
  }

  async voidSale(args: CommandArgs<'voidSale'>): Promise<CommandResult<'voidSale'>> {
    return this.hold(args.saleId, 'void');
  }

  // ---- held refunds and voids -----------------------------------------------------------------
  //
  // The ledger is append-only, so an undo cannot delete a refund once written. A refund or void asked
  // on the staff screen is therefore HELD for `reversalHoldMs` (a minute) before it is recorded and
  // sent: "undo" cancels the hold, and nothing was ever written. The hold is kept in the store's
  // settings, so a restart within the minute neither loses nor repeats it (it is recorded at start).

  private heldReversals(): HeldReversal[] {
    const saved = this.o.store.getSetting(HELD_REVERSALS_SETTING);
    return Array.isArray(saved) ? (saved as HeldReversal[]) : [];
  }

  private saveHeld(held: HeldReversal[]): void {
    this.o.store.setSetting(HELD_REVERSALS_SETTING, held);
  }

  private async hold(saleId: string, kind: 'refund' | 'void', amount?: CommandArgs<'refundSale'>['amount']): Promise<CommandResult<'refundSale'>> {
    // Checked now, with the same rules as the recording: a refund that would be refused is refused at once.
    const preview = await this.previewReversal({ saleId, kind, ...(amount ? { amount } : {}) });
    const recordAt = new Date(this.now().getTime() + (this.o.reversalHoldMs ?? 60_000)).toISOString();
    this.saveHeld([...this.heldReversals(), { saleId, kind, amount: amount ?? null, recordAt }]);
    this.schedule(recordAt);
    return { ...preview, recordAt };
  }

  async undoReversal(args: CommandArgs<'undoReversal'>): Promise<CommandResult<'undoReversal'>> {
    this.recordHeldReversals();
    const held = this.heldReversals();
    if (!held.some((h) => h.saleId === args.saleId)) {
      throw new KioskError('nothingToUndo', 'Nothing to undo: the refund was already recorded (a minute has passed), or there was none.');
    }
    this.saveHeld(held.filter((h) => h.saleId !== args.saleId));
    this.log(`staff undid the held refund of sale ${args.saleId}: nothing was recorded`);
    return { saleId: args.saleId };
  }

  private schedule(recordAt: string): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.recordHeldReversals();
      },
      Math.max(0, Date.parse(recordAt) - this.now().getTime()) + 50,
    );
    timer.unref?.();
    this.timers.add(timer);
  }

  /** Records every held refund or void whose minute is over (`at`: now by default). */
  recordHeldReversals(at: Date = this.now()): void {
    const held = this.heldReversals();
    const due = held.filter((h) => Date.parse(h.recordAt) <= at.getTime());
    if (due.length === 0) return;
    this.saveHeld(held.filter((h) => !due.includes(h)));
    for (const h of due) {
      try {
        this.o.service.reverseSaleById(h.saleId, h.kind, h.amount ?? undefined);
      } catch (error) {
        // Recorded meanwhile through the till API, say: the held one is dropped, and staff read why in the log.
        this.log(`held ${h.kind} of sale ${h.saleId} not recorded: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async reprintLastReceipt(): Promise<CommandResult<'reprintLastReceipt'>> {
    if (this.o.printer.reprintLast() === undefined) throw new KioskError('nothingToReprint', 'No receipt was printed since the kiosk started.');
    const printer = this.printerStatus();
    return { printed: printer.state === 'ready', printer };
  }

  async setLocale(args: CommandArgs<'setLocale'>): Promise<CommandResult<'setLocale'>> {
    this.o.store.setSetting(LOCALE_SETTING, args.locale);
    this.emit({ name: 'localeChanged', payload: { locale: args.locale } });
    return { locale: args.locale };
  }

  // ---- members ------------------------------------------------------------------------------

  private flushOutbox(timeoutMs: number): Promise<void> {
    if (this.o.store.counts().outboxPending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.o.sync.off('drained', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.o.sync.on('drained', done);
      this.o.sync.kick();
    });
  }

  private remember(member: Member): void {
    const at = this.recentMembers.findIndex((m) => m.code === member.code);
    if (at >= 0) this.recentMembers.splice(at, 1);
    this.recentMembers.unshift({ code: member.code, label: member.name ?? member.code });
    this.recentMembers.length = Math.min(this.recentMembers.length, 10);
  }

  private memberSummary(member: Member): MemberSummary {
    const balance = this.o.service.memberBalance(member);
    return {
      memberId: member.id,
      code: member.code,
      name: member.name,
      phone: maskPhone(member.phone),
      email: maskEmail(member.email),
      points: balance.points,
      stamps: balance.stamps,
      progress: this.progress(balance.points, balance.stampsByCard),
    };
  }

  /** The contract's progress line from the one core definition (core/program/progress). */
  private progress(points: number, stampsByCard: Record<string, number>): Progress | null {
    return contractProgress(progressToReward(this.program(), { points, stampsByCard }, this.locale));
  }

  private findMember(args: { memberId: string } | { memberCode: string }): Member {
    const member = 'memberId' in args ? this.o.store.getMember(args.memberId) : this.o.service.findMember(args.memberCode);
    if (!member) throw new KioskError('memberNotFound', 'No member with that card on this kiosk.');
    return member;
  }

  /** The contract's claim from the hub's: balance and progress as the hub counts them (all kiosks). */
  private claimView(claim: ClaimAccepted): Claim {
    const local = this.o.store.getMember(claim.member.id);
    const summary = local ? this.memberSummary(local) : undefined;
    // The hub names the reward in the program's language: the counter screen shows it in its own.
    const next = claim.progress.next;
    const reward = next ? this.program().rewards.find((r) => r.id === next.rewardId) : undefined;
    const progress = contractProgress(next && reward ? { ...next, rewardName: rewardName(reward, this.locale) } : next) ?? summary?.progress ?? null;
    // Stamps the hub holds until this kiosk's sale report names their cards: the customer gets them, so the thank-you says so.
    const waiting = this.o.service.stampsAwaitingReport(claim);
    return {
      saleId: claim.saleKey,
      member: {
        memberId: claim.member.id,
        code: summary?.code ?? memberCodeFor(claim.member.no),
        name: claim.member.name ?? summary?.name ?? null,
        phone: summary?.phone ?? null,
        email: summary?.email ?? null,
        points: claim.balance.points,
        stamps: claim.balance.stamps + waiting,
        progress,
      },
      pointsEarned: claim.points,
      stampsEarned: claim.stamps + waiting,
      via: claim.via,
      // The hub's entries name each bonus (the welcome bonus too); the base points are the "+N" line.
      bonuses: claim.entries
        .filter((e) => e.kind === 'bonus' && e.memberId === claim.member.id && e.points > 0)
        .slice(0, 20)
        .map((e) => ({ label: (e.reason.label ?? e.reason.code).slice(0, 120) || e.reason.code, points: e.points })),
    };
  }

  private onClaimAccepted(claim: ClaimAccepted): void {
    if (this.current?.saleId === claim.saleKey) this.current = null;
    // Members who joined on their phone live at the hub; remember who the hub's number is, so their vouchers redeem here.
    this.o.store.setSetting(`${HUB_MEMBER_SETTING}${claim.member.no}`, { id: claim.member.id, name: claim.member.name });
    this.emit({ name: 'claimAccepted', payload: this.claimView(claim) });
  }

  async attachMember(args: CommandArgs<'attachMember'>): Promise<Claim> {
    const member = this.findMember(args);
    return this.claimView(await this.o.service.attachMemberToSale(args.saleId, member.id, this.hub));
  }

  async searchMembers(args: CommandArgs<'searchMembers'>): Promise<CommandResult<'searchMembers'>> {
    const found = this.o.service.searchMembers(args.query, 20);
    found.forEach((m) => this.remember(m));
    return { members: found.map((m) => this.memberSummary(m)) };
  }

  async enrollMember(args: CommandArgs<'enrollMember'>): Promise<MemberSummary> {
    // A contact the kiosk already knows answers that member: one person, one member.
    const { member } = this.o.service.enrollMember({
      name: args.name,
      phone: args.phone,
      email: args.email,
      locale: args.locale,
      consentText: 'kiosk-enrolment-v1',
    });
    this.remember(member);
    return this.memberSummary(member);
  }

  // ---- rewards ------------------------------------------------------------------------------

  async listRewards(args: CommandArgs<'listRewards'>): Promise<CommandResult<'listRewards'>> {
    const member = this.findMember(args);
    const balance = this.o.service.memberBalance(member);
    return {
      rewards: this.program()
        .rewards.slice(0, 100)
        .map((reward) => {
          const cost = rewardCost(reward);
          const stampsHeld = cost.card === undefined ? 0 : (balance.stampsByCard[cost.card] ?? 0);
          return {
            rewardId: reward.id,
            label: rewardName(reward, this.locale).slice(0, 120),
            costPoints: cost.points,
            costStamps: cost.stamps,
            affordable: balance.points >= cost.points && stampsHeld >= cost.stamps,
          };
        }),
    };
  }

  /** What staff do for a reward, plainly: the product to hand over or the discount to key in. */
  private instruction(reward: Reward): RedeemInstruction {
    switch (reward.kind) {
      case 'freeProduct':
        return { kind: 'handOver', item: reward.product.slice(0, 120) };
      case 'percentOff':
        return { kind: 'discountPercent', percent: Math.min(100, Math.max(1, Math.round(reward.percent))) };
      case 'amountOff':
        return { kind: 'discountAmount', amount: { amount: reward.amount, currency: this.program().currency } };
    }
  }

  async redeemReward(args: CommandArgs<'redeemReward'>): Promise<CommandResult<'redeemReward'>> {
    if ('voucherCode' in args) {
      const r = await this.redeemVoucher(voucherCode(args.voucherCode));
      const reward = r.reward!;
      return {
        redemptionId: r.redemptionId,
        rewardLabel: rewardName(reward, this.locale).slice(0, 120),
        instruction: this.instruction(reward),
        member: this.summaryById(r.memberId ?? memberCodeFor(r.hubMemberNo), r.hubMemberNo),
      };
    }
    const redeemed = this.o.service.redeemForMember(args.memberId, args.rewardId);
    return {
      redemptionId: redeemed.debit.id,
      rewardLabel: rewardName(redeemed.reward, this.locale).slice(0, 120),
      instruction: this.instruction(redeemed.reward),
      member: this.summaryById(args.memberId),
    };
  }

  private hubMember(no: number): { id: string; name: string | null } | undefined {
    return this.o.store.getSetting(`${HUB_MEMBER_SETTING}${no}`) as { id: string; name: string | null } | undefined;
  }

  /** A scanned or typed voucher (the full `R…` code), decided by the hub when it answers, else accepted here on its signature. */
  private async redeemVoucher(code: string): Promise<VoucherRedeemed> {
    const r = await this.o.service.redeemVoucher(code, hexToBytes(this.o.credentials.hubPublicKey), {
      hub: this.o.sync,
      memberIdForHubNo: (no) => this.hubMember(no)?.id,
    });
    // The hub named the voucher's member: remember who its number is, as a claim here would.
    if (r.memberId !== null && !this.o.store.getMember(r.memberId) && !this.hubMember(r.hubMemberNo)) {
      this.o.store.setSetting(`${HUB_MEMBER_SETTING}${r.hubMemberNo}`, { id: r.memberId, name: r.memberName });
    }
    return r;
  }

  /** What staff read after a voucher was accepted: the reward, and what to hand over or key into the till (money by formatMoney). */
  private voucherNotice(reward: Reward): ScanMessage {
    const name = rewardName(reward, this.locale).slice(0, 120);
    switch (reward.kind) {
      case 'freeProduct':
        return { key: 'voucherHandOver', values: { item: reward.product.slice(0, 120), reward: name } };
      case 'percentOff':
        return { key: 'voucherDiscountPercent', values: { reward: name, percent: Math.min(100, Math.max(1, Math.round(reward.percent))) } };
      case 'amountOff':
        return {
          key: 'voucherDiscountAmount',
          values: { reward: name, amount: formatMoney({ amount: reward.amount, currency: this.program().currency }, this.locale) },
        };
    }
  }

  /** "at Till 2 at 14:05" for staff: the kiosk's name and the time in the shop's time zone. */
  private alreadyRedeemedNotice(error: VoucherAlreadyRedeemed): ScanMessage {
    const at = formatInstant(error.at, this.locale, this.o.service.shopSettings().settings.timeZone);
    return { key: 'voucherAlreadyRedeemed', values: { kiosk: error.where.slice(0, 80), at } };
  }

  /** A member of this kiosk, or one known only from the hub's claims (no contact details here). */
  private summaryById(memberId: string, hubNo?: number): MemberSummary {
    const local = this.o.store.getMember(memberId);
    if (local) return this.memberSummary(local);
    const balance = this.o.store.balance(memberId);
    const known = hubNo === undefined ? undefined : this.hubMember(hubNo);
    return {
      memberId,
      code: hubNo === undefined ? memberId.slice(0, 64) : memberCodeFor(hubNo),
      name: known?.name?.slice(0, 120) ?? null,
      phone: null,
      email: null,
      points: balance.points,
      stamps: balance.stamps,
      progress: this.progress(balance.points, balance.stampsByCard),
    };
  }

  // ---- scans --------------------------------------------------------------------------------

  private notice(text: string): void {
    this.notices.unshift(text);
    this.notices.length = Math.min(this.notices.length, 20);
    this.log(`scan: ${text}`);
  }

  private claimHosts(): string[] {
    try {
      return [new URL(this.o.hubPublicUrl).host.toLowerCase()];
    } catch {
      return [];
    }
  }

  /**
   * The ONE place a scanned code becomes an action: a member card attaches the member to the open
   * sale (and tells staff who it is, sale or not), a voucher is verified offline and redeemed, a receipt's claim
   * QR is claimed for the member scanned just before; anything else is a message for staff.
   */
  async routeScan(code: string): Promise<ScanMeaning> {
    const sale = this.currentSale();
    // A member card with no sale open still tells staff who it is (to redeem, or to claim a receipt next).
    const meaning = classifyScan(code, { saleOpen: true, claimHosts: this.claimHosts() });
    try {
      switch (meaning.action) {
        case 'attachMemberToSale': {
          const member = this.o.store.findMemberByCode(meaning.code);
          this.emit({ name: 'memberScanned', payload: { code: meaning.code, member: member ? this.memberSummary(member) : null } });
          if (!member) {
            this.notice(`member card ${meaning.code} is not known on this kiosk`);
            break;
          }
          this.lastMemberScan = { memberId: member.id, at: this.now().getTime() };
          if (sale) {
            const claim = await this.o.service.attachMemberToSale(sale.saleId, member.id, this.hub);
            this.notice(`${member.name ?? member.code} added to the sale: +${claim.points} points`);
          } else {
            this.notice(`${member.name ?? member.code} scanned; no sale is open (scan a receipt QR now to claim it for them)`);
          }
          break;
        }
        case 'redeemVoucher': {
          // The whole code as scanned (kind letter, payload, check letter): that is what the signature is checked on.
          const r = await this.redeemVoucher(meaning.code);
          const member = this.summaryById(r.memberId ?? memberCodeFor(r.hubMemberNo), r.hubMemberNo);
          this.emit({ name: 'memberScanned', payload: { code: member.code.slice(0, 64), member } });
          const notice = this.voucherNotice(r.reward!);
          this.notice(
            `${formatMessage(scanMessages, 'en', notice.key, notice.values)}${r.via === 'offline' ? ' (hub offline: it is told when it is back)' : ''}`,
          );
          this.emit({ name: 'scanNotice', payload: notice });
          break;
        }
        case 'claimSale': {
          const recent =
            this.lastMemberScan && this.now().getTime() - this.lastMemberScan.at <= (this.o.memberScanWindowMs ?? 120_000) ? this.lastMemberScan : null;
          if (!recent) {
            this.notice('receipt QR scanned: scan the member card first, then the receipt');
            break;
          }
          const peeked = peekClaimToken(meaning.token);
          const saleId = peeked.ok ? claimSaleKey(peeked.data) : undefined;
          if (saleId !== undefined && this.o.store.getSale(saleId)) {
            // A receipt of this kiosk: claimed through the hub, or offline on the kiosk when the hub is away.
            const claim = await this.o.service.attachMemberToSale(saleId, recent.memberId, this.hub);
            this.notice(
              `receipt claimed${claim.deliveryId.startsWith('offline:') ? ' offline (the hub settles it when it is back)' : ''}: +${claim.points} points`,
            );
            break;
          }
          if (!this.hub.connected) throw new KioskError('hubOffline', 'the hub is offline: a receipt from another till can be claimed when it is back');
          const result = await this.hub.claimSale(meaning.token, recent.memberId);
          if (!result.ok) {
            this.notice(`receipt not claimed: ${result.message}`);
            break;
          }
          this.o.service.applyClaimAccepted(result.accepted);
          this.notice(`receipt claimed: +${result.accepted.points} points`);
          break;
        }
        case 'none':
          this.notice(formatMessage(scanMessages, 'en', meaning.message.key, meaning.message.values));
          this.emit({ name: 'scanNotice', payload: meaning.message });
          break;
      }
    } catch (error) {
      this.notice(error instanceof Error ? error.message : String(error));
      if (error instanceof VoucherAlreadyRedeemed) this.emit({ name: 'scanNotice', payload: this.alreadyRedeemedNotice(error) });
      else if (error instanceof KioskError) this.emit({ name: 'scanNotice', payload: { reason: error.reason } });
    }
    return meaning;
  }
}

/**
 * A voucher code as staff typed or a wedge scanner delivered it: the full `R…` code, with any
 * spaces or line breaks taken out (the signature covers every letter, so nothing else is changed).
 */
export function voucherCode(text: string): string {
  return text.replace(/\s+/g, '');
}
