import { z } from 'zod';
import { moneySchema, paymentKindSchema } from '../money';
import { localeSchema } from '../i18n/locales';
import { scanMessages, type ScanMessageKey } from '../i18n/scan';
import type { CommandName, EventName } from './names';
import {
  LIMITS,
  claimSchema,
  hubStatusSchema,
  kioskStatusSchema,
  memberSummarySchema,
  printerStatusSchema,
  redeemInstructionSchema,
  rewardSchema,
  saleSummarySchema,
  saleViewSchema,
  scannerStatusSchema,
  shopTimeZoneSchema,
  todayFiguresSchema,
} from './schemas';

const id = z.string().min(1).max(100);
const none = z.object({}).strict();
const positiveMoney = moneySchema.refine((m) => m.amount > 0, 'the amount must be more than zero');
/** A refund or void: the amount, what it takes back, and the points the member had already spent (never clawed below zero). */
const reversalPreview = z
  .object({
    saleId: id,
    amount: moneySchema,
    pointsReversed: z.number().int().nonnegative(),
    stampsReversed: z.number().int().nonnegative(),
    pointsNotRecovered: z.number().int().nonnegative(),
  })
  .strict();
/**
 * A refund or void asked on the staff screen is held: it is recorded (ledger, outbox) at `recordAt`,
 * a minute later, and until then `undoReversal` cancels it with nothing written.
 */
const reversalResult = reversalPreview.extend({ recordAt: z.string().datetime({ offset: true }) }).strict();

/**
 * Reasons a service may give when it refuses a well-formed request (`throw new KioskError(...)`);
 * the renderer words each one for staff. Anything else thrown reaches the renderer as 'failed'.
 */
export const serviceErrorReasons = [
  'saleNotFound',
  'saleClosed',
  'alreadyClaimed',
  'memberNotFound',
  'memberExists',
  'invalidContact',
  'rewardNotFound',
  'notEnoughPoints',
  'voucherInvalid',
  'voucherExpired',
  'voucherUsed',
  'refundTooLarge',
  'refundBelowCashStep',
  'nothingToReprint',
  'printerFault',
  'hubOffline',
  'saleRefunded',
  'hubBusy',
  'nothingToUndo',
  /** A paired kiosk has not received its shop's program from the hub yet: it rings up nothing. */
  'programPending',
] as const;
export type ServiceErrorReason = (typeof serviceErrorReasons)[number];

/**
 * The kiosk's IPC contract, declared once. For each command: its argument and result schemas, and
 * whether staff mode must be unlocked to ask it. Main validates every message against this; the
 * preload, the browser bridge and the renderer are all typed from it.
 */
export const commands = {
  getStatus: { staff: false, args: none, result: kioskStatusSchema },
  getTodayFigures: { staff: true, args: none, result: todayFiguresSchema },
  createSale: {
    staff: true,
    args: z
      .object({
        total: positiveMoney,
        tillSaleId: id.optional(),
        /** Items counted on the keypad's category keys: which cards the sale stamps. */
        lines: z
          .array(z.object({ category: z.string().min(1).max(60), quantity: z.number().int().min(1).max(99) }).strict())
          .max(24)
          .optional(),
        /** "cash": the sale counts and prints the total cash-rounded (core/money `amountPaid`); absent: card or unsaid. */
        payment: paymentKindSchema.optional(),
      })
      .strict(),
    result: saleViewSchema,
  },
  attachMember: {
    staff: true,
    args: z.union([
      z.object({ saleId: id, memberCode: z.string().trim().min(1).max(LIMITS.memberCode) }).strict(),
      z.object({ saleId: id, memberId: id }).strict(),
    ]),
    result: claimSchema,
  },
  searchMembers: {
    staff: true,
    args: z.object({ query: z.string().trim().min(2, 'type at least 2 characters').max(LIMITS.searchQuery) }).strict(),
    result: z.object({ members: z.array(memberSummarySchema).max(50) }).strict(),
  },
  enrollMember: {
    staff: true,
    args: z
      .object({
        name: z.string().trim().max(LIMITS.name).optional(),
        phone: z
          .string()
          .trim()
          .regex(/^\+?[0-9 ]{6,20}$/, 'phone: digits, spaces and a leading +')
          .optional(),
        email: z.email().max(LIMITS.email).optional(),
        locale: localeSchema,
        consent: z.literal(true, { error: 'the customer must agree to join' }),
      })
      .strict()
      .refine((a) => a.phone !== undefined || a.email !== undefined, 'give a phone number or an e-mail'),
    result: memberSummarySchema,
  },
  listRewards: {
    staff: true,
    args: z.object({ memberId: id }).strict(),
    result: z.object({ rewards: z.array(rewardSchema).max(100) }).strict(),
  },
  redeemReward: {
    staff: true,
    args: z.union([z.object({ memberId: id, rewardId: id }).strict(), z.object({ voucherCode: z.string().trim().min(1).max(LIMITS.voucherCode) }).strict()]),
    result: z
      .object({
        redemptionId: id,
        rewardLabel: z.string().min(1).max(120),
        instruction: redeemInstructionSchema,
        member: memberSummarySchema,
      })
      .strict(),
  },
  listRecentSales: {
    staff: true,
    args: z.object({ limit: z.number().int().min(1).max(50) }).strict(),
    result: z.object({ sales: z.array(saleSummarySchema).max(50) }).strict(),
  },
  refundSale: {
    staff: true,
    /** Without `amount` the whole sale is refunded. */
    args: z.object({ saleId: id, amount: positiveMoney.optional() }).strict(),
    result: reversalResult,
  },
  voidSale: {
    staff: true,
    args: z.object({ saleId: id }).strict(),
    result: reversalResult,
  },
  /** What a refund (`amount`, else all that is left) or a void would take back, for staff to confirm; changes nothing. */
  previewReversal: {
    staff: true,
    args: z.object({ saleId: id, kind: z.enum(['refund', 'void']), amount: positiveMoney.optional() }).strict(),
    result: reversalPreview,
  },
  /** Cancels a refund or void still held (see refundSale); after `recordAt` it is recorded and cannot be undone. */
  undoReversal: {
    staff: true,
    args: z.object({ saleId: id }).strict(),
    result: z.object({ saleId: id }).strict(),
  },
  reprintLastReceipt: {
    staff: true,
    args: none,
    result: z.object({ printed: z.boolean(), printer: printerStatusSchema }).strict(),
  },
  /** Answered by the dispatcher itself (PIN check through KioskServices.checkStaffPin, lock-out, session). */
  unlockStaff: {
    staff: false,
    args: z.object({ pin: z.string().regex(/^[0-9]{4,8}$/, 'the PIN is 4 to 8 digits') }).strict(),
    result: z.discriminatedUnion('unlocked', [
      z.object({ unlocked: z.literal(true), idleLockMs: z.number().int().positive() }).strict(),
      z
        .object({
          unlocked: z.literal(false),
          reason: z.enum(['wrongPin', 'lockedOut']),
          attemptsLeft: z.number().int().nonnegative(),
          retryAfterMs: z.number().int().nonnegative(),
        })
        .strict(),
    ]),
  },
  lockStaff: { staff: false, args: none, result: none },
  setLocale: {
    staff: true,
    args: z.object({ locale: localeSchema }).strict(),
    result: z.object({ locale: localeSchema }).strict(),
  },
} as const satisfies Record<CommandName, { staff: boolean; args: z.ZodType; result: z.ZodType }>;

/** Events main sends to the renderer, named for what happened. */
export const events = {
  saleCreated: saleViewSchema,
  saleClosed: z.object({ saleId: id, reason: z.enum(['expired', 'refunded', 'voided']) }).strict(),
  claimAccepted: claimSchema,
  memberScanned: z.object({ code: z.string().min(1).max(LIMITS.memberCode), member: memberSummarySchema.nullable() }).strict(),
  /**
   * A scan that changed nothing, for staff: a scanMessages key (core/i18n/scan.ts) with its values,
   * or the reason a service refused what the scan asked (hub offline, voucher used, ...).
   */
  scanNotice: z.union([
    z
      .object({
        key: z.enum(Object.keys(scanMessages.en) as [ScanMessageKey, ...ScanMessageKey[]]),
        values: z.record(z.string().max(40), z.union([z.string().max(200), z.number()])),
      })
      .strict(),
    z.object({ reason: z.enum(serviceErrorReasons) }).strict(),
  ]),
  printerStatusChanged: printerStatusSchema,
  scannerStatusChanged: scannerStatusSchema,
  hubStatusChanged: hubStatusSchema,
  localeChanged: z.object({ locale: localeSchema }).strict(),
  /** The hub sent new shop settings: the counter screen shows the new name, the staff screen times in the new zone. */
  shopChanged: z.object({ shopName: z.string().min(1).max(80), timeZone: shopTimeZoneSchema }).strict(),
  /**
   * The hub's program versions were stored: the currency staff key amounts in (null while none is in
   * effect) and the keypad's category keys, as `getStatus` now answers them.
   */
  programChanged: kioskStatusSchema.pick({ currency: true, categoryKeys: true, saleCeiling: true }).strict(),
  staffLocked: z.object({ reason: z.enum(['idle', 'manual']) }).strict(),
} as const satisfies Record<EventName, z.ZodType>;

export type CommandArgs<N extends CommandName> = z.input<(typeof commands)[N]['args']>;
export type CommandResult<N extends CommandName> = z.output<(typeof commands)[N]['result']>;
export type EventPayload<N extends EventName> = z.output<(typeof events)[N]>;
export type KioskEvent = { [N in EventName]: { name: N; payload: EventPayload<N> } }[EventName];

/** Why a command was refused; `message` is English for the log, the renderer words it for people. */
export const refusalCodes = ['unknownCommand', 'badArgs', 'tooLarge', 'staffLocked', 'failed', 'badResult'] as const;
export type RefusalCode = (typeof refusalCodes)[number];

export class KioskError extends Error {
  constructor(
    readonly reason: ServiceErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'KioskError';
  }
}

export interface Refusal {
  code: RefusalCode;
  /** English, for the log and for developers. */
  message: string;
  /** Set when a service refused with a KioskError. */
  reason?: ServiceErrorReason;
}

export type Reply<N extends CommandName> = { ok: true; value: CommandResult<N> } | { ok: false; error: Refusal };

/** Commands the dispatcher answers itself rather than passing to KioskServices. */
export type SessionCommand = 'unlockStaff' | 'lockStaff';

/**
 * What main implements behind the contract: main/kiosk/ui-services.ts over the real store, hardware and sync;
 * tests use the double in test/support/fake-services.ts. Every method gets arguments that passed the
 * contract, and its result is validated before it leaves main.
 */
export type KioskServices = {
  [N in Exclude<CommandName, SessionCommand>]: (args: z.output<(typeof commands)[N]['args']>) => Promise<CommandResult<N>>;
} & {
  /** True if `pin` is a valid staff PIN. The dispatcher counts failures and locks out. */
  checkStaffPin(pin: string): Promise<boolean>;
  /** Calls `listener` for every event; returns the unsubscribe function. */
  subscribe(listener: (event: KioskEvent) => void): () => void;
};

/** The typed API the renderer sees, from the preload (window.kiosk) or the browser bridge. */
export interface KioskApi {
  invoke<N extends CommandName>(name: N, args: CommandArgs<N>): Promise<Reply<N>>;
  onEvent(listener: (event: KioskEvent) => void): () => void;
}
