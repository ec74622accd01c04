/**
 * TEST DOUBLE of KioskServices, for the renderer and dispatcher tests only. It keeps a few members,
 * rewards and sales in memory and mimics the rules closely enough to drive every screen. The lead
 * replaces it with the real services (store, hardware, sync) behind the same contract.
 */
import {
  KioskError,
  type Claim,
  type CommandArgs,
  type CommandResult,
  type KioskEvent,
  type KioskServices,
  type MemberSummary,
  type PrinterStatus,
  type SaleView,
} from '../../core/contract';
import type { Locale } from '../../core/i18n/locales';
import { amountPaid, CURRENCIES, refundPaidBack, type PaymentKind } from '../../core/money';

interface FakeMember {
  memberId: string;
  code: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  points: number;
  stamps: number;
}

export interface FakeOptions {
  shopName?: string;
  /** The shop's time zone, as its settings from the hub say (Europe/Warsaw). */
  timeZone?: string;
  /** The program's keypad category keys (none by default). */
  categoryKeys?: { label: string; category: string }[];
  locale?: Locale;
  pin?: string;
  /** How long a sale's QR stays valid. */
  claimTtlMs?: number;
  /** The shop's currency (PLN). */
  currency?: 'PLN' | 'HUF' | 'CZK' | 'EUR';
  /** The largest sale, minor units (the currency's `saleCeiling` by default, as a program without its own maxSale). */
  saleCeiling?: number;
  now?: () => number;
}

const STAMPS_FOR_COFFEE = 8;

export class FakeKioskServices implements KioskServices {
  readonly calls: string[] = [];
  /** What the staff screen sent with each createSale (the amount as typed, the payment kind). */
  readonly createSaleArgs: CommandArgs<'createSale'>[] = [];
  readonly refundSaleArgs: CommandArgs<'refundSale'>[] = [];
  /** The bonus lines the next claims carry (a test sets them: welcome bonus, campaign). */
  bonuses: Claim['bonuses'] = [];
  private readonly listeners = new Set<(event: KioskEvent) => void>();
  private readonly members = new Map<string, FakeMember>();
  private readonly sales: SaleView[] = [];
  /** How each sale was paid (cash refunds are paid back cash-rounded, as the real services do). */
  private readonly payments = new Map<string, PaymentKind | undefined>();
  private lastReceiptSaleId: string | null = null;
  private locale: Locale;
  private printer: PrinterStatus = { state: 'ready', fault: null, name: 'Virtual printer' };
  private seq = 0;
  private readonly now: () => number;
  private shop: { name: string; timeZone: string };

  constructor(private readonly options: FakeOptions = {}) {
    this.locale = options.locale ?? 'pl';
    this.now = options.now ?? Date.now;
    this.shop = { name: options.shopName ?? 'Kawiarnia Pod Lipą', timeZone: options.timeZone ?? 'Europe/Warsaw' };
    this.addMember({ name: 'Anna Kowalska', phone: '+48 600 100 321', email: 'anna@example.com', points: 122, stamps: 6 });
    this.addMember({ name: 'Jan Novák', phone: '+420 777 123 456', email: null, points: 40, stamps: 1 });
  }

  private addMember(m: Omit<FakeMember, 'memberId' | 'code'>): FakeMember {
    const n = this.members.size + 1;
    const member = { ...m, memberId: `m-${n}`, code: `MBR${String(n).padStart(4, '0')}` };
    this.members.set(member.memberId, member);
    return member;
  }

  private summary(m: FakeMember): MemberSummary {
    const maskedPhone = m.phone ? `${m.phone.slice(0, 4)} ••• ${m.phone.slice(-3)}` : null;
    const maskedEmail = m.email ? `${m.email[0]}•••${m.email.slice(m.email.indexOf('@'))}` : null;
    const remaining = STAMPS_FOR_COFFEE - (m.stamps % STAMPS_FOR_COFFEE);
    return {
      memberId: m.memberId,
      code: m.code,
      name: m.name,
      phone: maskedPhone,
      email: maskedEmail,
      points: m.points,
      stamps: m.stamps,
      progress: { unit: 'stamps', remaining, rewardLabel: 'free coffee' },
    };
  }

  private emit(event: KioskEvent): void {
    for (const l of this.listeners) l(event);
  }
  private record(name: string): void {
    this.calls.push(name);
  }

  subscribe(listener: (event: KioskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async checkStaffPin(pin: string): Promise<boolean> {
    this.record('checkStaffPin');
    return pin === (this.options.pin ?? '1234');
  }

  private currentSale(): SaleView | null {
    const last = this.sales.at(-1);
    return last && last.state === 'open' ? last : null;
  }

  async getStatus(): Promise<CommandResult<'getStatus'>> {
    this.record('getStatus');
    const currency = this.options.currency ?? 'PLN';
    return {
      shopName: this.shop.name,
      timeZone: this.shop.timeZone,
      kioskId: 'kiosk-1',
      locale: this.locale,
      currency,
      printer: this.printer,
      scanner: { state: 'ready', fault: null, name: 'Keyboard scanner' },
      hub: this.hub,
      currentSale: this.currentSale(),
      categoryKeys: this.options.categoryKeys ?? [],
      saleCeiling: { amount: this.options.saleCeiling ?? CURRENCIES[currency].saleCeiling, currency },
    };
  }

  async getTodayFigures(): Promise<CommandResult<'getTodayFigures'>> {
    this.record('getTodayFigures');
    const total = this.sales.reduce((sum, s) => sum + s.total.amount, 0);
    const claimed = this.sales.filter((s) => s.memberId !== null).length;
    return {
      sales: this.sales.length,
      salesTotal: { amount: total, currency: 'PLN' },
      memberSales: claimed,
      claims: claimed,
      pointsIssued: this.sales.filter((s) => s.memberId !== null).reduce((sum, s) => sum + s.points, 0),
      pointsTakenBack: 0,
      pointsRedeemed: 0,
      redemptions: 0,
      enrollments: this.members.size - 2,
      refunds: this.sales.filter((s) => s.state === 'refunded' || s.state === 'voided').length,
    };
  }

  async createSale(args: CommandArgs<'createSale'>): Promise<SaleView> {
    this.record('createSale');
    this.createSaleArgs.push(args);
    const open = this.currentSale();
    if (open) {
      open.state = 'expired';
      this.emit({ name: 'saleClosed', payload: { saleId: open.saleId, reason: 'expired' } });
    }
    const issued = this.now();
    const saleId = `s-${++this.seq}`;
    const points = Math.floor(args.total.amount / 100);
    const sale: SaleView = {
      saleId,
      tillSaleId: args.tillSaleId ?? null,
      total: amountPaid({ amount: args.total.amount, currency: args.total.currency }, args.payment),
      points: points * 2,
      stamps: 1,
      campaign: { ruleId: 'c-tue', label: 'x2 Tuesday' },
      claimUrl: `https://hub.example.com/c/${saleId}.TOKEN-${'A'.repeat(40)}`,
      issuedAt: new Date(issued).toISOString(),
      expiresAt: new Date(issued + (this.options.claimTtlMs ?? 90_000)).toISOString(),
      memberId: null,
      state: 'open',
    };
    this.sales.push(sale);
    this.payments.set(saleId, args.payment);
    this.lastReceiptSaleId = saleId;
    this.emit({ name: 'saleCreated', payload: sale });
    return sale;
  }

  private findSale(saleId: string): SaleView {
    const sale = this.sales.find((s) => s.saleId === saleId);
    if (!sale) throw new KioskError('saleNotFound', `no sale ${saleId}`);
    return sale;
  }

  /** What a phone claim does in the real system: the hub accepts it and the kiosk hears of it. */
  claim(saleId: string, memberId: string, via: Claim['via'] = 'phone'): Claim {
    const sale = this.findSale(saleId);
    if (sale.state !== 'open') throw new KioskError('saleClosed', `sale ${saleId} is ${sale.state}`);
    const member = this.members.get(memberId);
    if (!member) throw new KioskError('memberNotFound', `no member ${memberId}`);
    member.points += sale.points;
    member.stamps += sale.stamps;
    sale.memberId = memberId;
    sale.state = 'claimed';
    const claim: Claim = { saleId, member: this.summary(member), pointsEarned: sale.points, stampsEarned: sale.stamps, bonuses: this.bonuses, via };
    this.emit({ name: 'claimAccepted', payload: claim });
    return claim;
  }

  async attachMember(args: CommandArgs<'attachMember'>): Promise<Claim> {
    this.record('attachMember');
    const member = 'memberId' in args ? this.members.get(args.memberId) : [...this.members.values()].find((m) => m.code === args.memberCode);
    if (!member) throw new KioskError('memberNotFound', 'no member with that code');
    return this.claim(args.saleId, member.memberId, 'staff');
  }

  async searchMembers(args: CommandArgs<'searchMembers'>): Promise<CommandResult<'searchMembers'>> {
    this.record('searchMembers');
    const q = args.query.toLowerCase().replace(/\s/g, '');
    const hits = [...this.members.values()].filter((m) =>
      [m.name, m.phone, m.email, m.code].some((f) => f !== null && f.toLowerCase().replace(/\s/g, '').includes(q)),
    );
    return { members: hits.map((m) => this.summary(m)) };
  }

  async enrollMember(args: CommandArgs<'enrollMember'>): Promise<MemberSummary> {
    this.record('enrollMember');
    if ([...this.members.values()].some((m) => (args.phone && m.phone === args.phone) || (args.email && m.email === args.email))) {
      throw new KioskError('memberExists', 'a member with this phone or e-mail exists');
    }
    return this.summary(this.addMember({ name: args.name ?? null, phone: args.phone ?? null, email: args.email ?? null, points: 0, stamps: 0 }));
  }

  private rewards = [
    { rewardId: 'r-coffee', label: 'Free coffee', costPoints: 0, costStamps: 8, instruction: { kind: 'handOver', item: 'one coffee of any size' } as const },
    {
      rewardId: 'r-10off',
      label: '10 zł off',
      costPoints: 100,
      costStamps: 0,
      instruction: { kind: 'discountAmount', amount: { amount: 1000, currency: 'PLN' } } as const,
    },
    { rewardId: 'r-15pct', label: '15% off', costPoints: 150, costStamps: 0, instruction: { kind: 'discountPercent', percent: 15 } as const },
  ];

  async listRewards(args: CommandArgs<'listRewards'>): Promise<CommandResult<'listRewards'>> {
    this.record('listRewards');
    const m = this.members.get(args.memberId);
    if (!m) throw new KioskError('memberNotFound', `no member ${args.memberId}`);
    return { rewards: this.rewards.map(({ instruction: _i, ...r }) => ({ ...r, affordable: m.points >= r.costPoints && m.stamps >= r.costStamps })) };
  }

  async redeemReward(args: CommandArgs<'redeemReward'>): Promise<CommandResult<'redeemReward'>> {
    this.record('redeemReward');
    if ('voucherCode' in args) throw new KioskError('voucherInvalid', 'the double knows no vouchers');
    const m = this.members.get(args.memberId);
    const r = this.rewards.find((x) => x.rewardId === args.rewardId);
    if (!m) throw new KioskError('memberNotFound', `no member ${args.memberId}`);
    if (!r) throw new KioskError('rewardNotFound', `no reward ${args.rewardId}`);
    if (m.points < r.costPoints || m.stamps < r.costStamps) throw new KioskError('notEnoughPoints', 'not enough points or stamps');
    m.points -= r.costPoints;
    m.stamps -= r.costStamps;
    return { redemptionId: `red-${++this.seq}`, rewardLabel: r.label, instruction: r.instruction, member: this.summary(m) };
  }

  async listRecentSales(args: CommandArgs<'listRecentSales'>): Promise<CommandResult<'listRecentSales'>> {
    this.record('listRecentSales');
    return {
      sales: this.sales
        .slice(-args.limit)
        .reverse()
        .map(({ saleId, tillSaleId, total, points, stamps, issuedAt, memberId, state }) => ({
          saleId,
          tillSaleId,
          total,
          points,
          stamps,
          issuedAt,
          memberId,
          state,
          reversalHeldUntil: this.held.get(saleId)?.recordAt ?? null,
        })),
    };
  }

  /** Refunds and voids held for a minute (as the real services do); `settleHeld()` records them. */
  private readonly held = new Map<string, { state: 'refunded' | 'voided'; recordAt: string }>();

  async previewReversal(args: CommandArgs<'previewReversal'>): Promise<CommandResult<'previewReversal'>> {
    this.record('previewReversal');
    const sale = this.findSale(args.saleId);
    if (sale.state === 'refunded' || sale.state === 'voided' || this.held.has(args.saleId))
      throw new KioskError('saleClosed', `sale ${args.saleId} is already ${sale.state}`);
    const amount = args.kind === 'void' || !args.amount ? sale.total : refundPaidBack(args.amount, sale.total, this.payments.get(sale.saleId));
    if (amount.amount > sale.total.amount) throw new KioskError('refundTooLarge', 'more than the sale');
    if (amount.amount <= 0) throw new KioskError('refundBelowCashStep', 'rounds to nothing in cash');
    const points = sale.memberId ? Math.floor((sale.points * amount.amount) / sale.total.amount) : 0;
    return { saleId: sale.saleId, amount, pointsReversed: points, stampsReversed: 0, pointsNotRecovered: 0 };
  }

  private async hold(args: CommandArgs<'refundSale'>, state: 'refunded' | 'voided'): Promise<CommandResult<'refundSale'>> {
    const preview = await this.previewReversal({
      saleId: args.saleId,
      kind: state === 'voided' ? 'void' : 'refund',
      ...(args.amount ? { amount: args.amount } : {}),
    });
    const recordAt = new Date(this.now() + 60_000).toISOString();
    this.held.set(args.saleId, { state, recordAt });
    return { ...preview, recordAt };
  }

  /** What new shop settings from the hub do: the kiosk stores them and tells the screens. */
  changeShop(name: string, timeZone: string): void {
    this.shop = { name, timeZone };
    this.emit({ name: 'shopChanged', payload: { shopName: name, timeZone } });
  }

  /** Records the held refunds and voids (their minute is over). */
  settleHeld(): void {
    for (const [saleId, { state }] of this.held) {
      const sale = this.findSale(saleId);
      const member = sale.memberId ? this.members.get(sale.memberId) : undefined;
      if (member) {
        member.points -= sale.points;
        member.stamps -= sale.stamps;
      }
      sale.state = state;
      this.emit({ name: 'saleClosed', payload: { saleId, reason: state } });
    }
    this.held.clear();
  }

  async refundSale(args: CommandArgs<'refundSale'>): Promise<CommandResult<'refundSale'>> {
    this.record('refundSale');
    this.refundSaleArgs.push(args);
    return this.hold(args, 'refunded');
  }
  async voidSale(args: CommandArgs<'voidSale'>): Promise<CommandResult<'voidSale'>> {
    this.record('voidSale');
    return this.hold(args, 'voided');
  }
  async undoReversal(args: CommandArgs<'undoReversal'>): Promise<CommandResult<'undoReversal'>> {
    this.record('undoReversal');
    if (!this.held.delete(args.saleId)) throw new KioskError('nothingToUndo', 'nothing held');
    return { saleId: args.saleId };
  }

  async reprintLastReceipt(): Promise<CommandResult<'reprintLastReceipt'>> {
    this.record('reprintLastReceipt');
    if (!this.lastReceiptSaleId) throw new KioskError('nothingToReprint', 'no receipt printed yet');
    return { printed: this.printer.state === 'ready', printer: this.printer };
  }

  async setLocale(args: CommandArgs<'setLocale'>): Promise<CommandResult<'setLocale'>> {
    this.record('setLocale');
    this.locale = args.locale;
    this.emit({ name: 'localeChanged', payload: { locale: args.locale } });
    return { locale: args.locale };
  }

  /** Test hook: the printer runs out of paper, or comes back. */
  setPrinterFault(fault: PrinterStatus['fault']): void {
    this.printer = fault ? { state: 'fault', fault, name: this.printer.name } : { state: 'ready', fault: null, name: this.printer.name };
    this.emit({ name: 'printerStatusChanged', payload: this.printer });
  }

  private hub: CommandResult<'getStatus'>['hub'] = { state: 'online', pending: 0, lastSyncAt: null };

  /** Test hook: the hub goes away (or comes back) with `pending` messages in the outbox. */
  setHub(state: CommandResult<'getStatus'>['hub']['state'], pending = 0): void {
    this.hub = { state, pending, lastSyncAt: this.hub.lastSyncAt };
    this.emit({ name: 'hubStatusChanged', payload: this.hub });
  }

  /** Test hook: send any event, even a malformed one. */
  emitRaw(event: unknown): void {
    this.emit(event as KioskEvent);
  }
}
