import { z } from 'zod';
import { moneySchema } from '../money';
import { localeSchema } from '../i18n/locales';
import { isTimeZone } from '../program/schema';

/** Shapes the kiosk shows on its screens. Ids are strings chosen by main; times are ISO 8601. */
const id = z.string().min(1).max(100);
const isoTime = z.string().datetime({ offset: true });
const label = z.string().min(1).max(120);
const count = z.number().int().nonnegative();

export const campaignSchema = z.object({ ruleId: id, label }).strict();

/** A sale as the customer display shows it: amount, what it earns, and the QR to claim it. */
export const saleViewSchema = z
  .object({
    saleId: id,
    tillSaleId: id.nullable(),
    total: moneySchema,
    points: count,
    stamps: count,
    /** The campaign that applies to this sale ("x2 Tuesday"), if any. */
    campaign: campaignSchema.nullable(),
    claimUrl: z.string().url().max(2000),
    issuedAt: isoTime,
    expiresAt: isoTime,
    memberId: id.nullable(),
    state: z.enum(['open', 'claimed', 'expired', 'refunded', 'voided']),
  })
  .strict();
export type SaleView = z.infer<typeof saleViewSchema>;

/** Progress towards the next reward: "2 more stamps to a free coffee". */
export const progressSchema = z
  .object({
    unit: z.enum(['points', 'stamps']),
    remaining: count,
    rewardLabel: label,
  })
  .strict();
export type Progress = z.infer<typeof progressSchema>;

export const memberSummarySchema = z
  .object({
    memberId: id,
    /** The code printed on the member card and scanned at the till. */
    code: id,
    name: z.string().max(120).nullable(),
    /** Shown masked to staff: "+48 ••• ••• 321", "a•••@example.com". */
    phone: z.string().max(40).nullable(),
    email: z.string().max(120).nullable(),
    points: z.number().int(),
    stamps: z.number().int(),
    progress: progressSchema.nullable(),
  })
  .strict();
export type MemberSummary = z.infer<typeof memberSummarySchema>;

export const claimSchema = z
  .object({
    saleId: id,
    member: memberSummarySchema,
    pointsEarned: z.number().int(),
    stampsEarned: z.number().int(),
    /** Every bonus this claim earned (welcome, birthday, campaign, ...), each shown on the thank-you. */
    bonuses: z.array(z.object({ label, points: z.number().int().positive() }).strict()).max(20),
    via: z.enum(['phone', 'scanner', 'staff']),
  })
  .strict();
export type Claim = z.infer<typeof claimSchema>;

export const printerFaults = ['paperOut', 'paperLow', 'coverOpen', 'offline', 'notConfigured'] as const;
export const scannerFaults = ['disconnected', 'notConfigured'] as const;

export const printerStatusSchema = z
  .object({
    state: z.enum(['ready', 'fault']),
    fault: z.enum(printerFaults).nullable(),
    name: z.string().max(120).nullable(),
  })
  .strict();
export type PrinterStatus = z.infer<typeof printerStatusSchema>;

export const scannerStatusSchema = z
  .object({
    state: z.enum(['ready', 'fault']),
    fault: z.enum(scannerFaults).nullable(),
    name: z.string().max(120).nullable(),
  })
  .strict();
export type ScannerStatus = z.infer<typeof scannerStatusSchema>;

export const hubStatusSchema = z
  .object({
    state: z.enum(['online', 'connecting', 'offline']),
    /** Messages waiting in the outbox for the hub's acknowledgement. */
    pending: count,
    lastSyncAt: isoTime.nullable(),
  })
  .strict();
export type HubStatus = z.infer<typeof hubStatusSchema>;

export const categoryKeySchema = z.object({ label, category: z.string().min(1).max(60) }).strict();

/** An IANA zone such as Europe/Warsaw. */
export const shopTimeZoneSchema = z.string().max(64).refine(isTimeZone, 'an IANA time zone');

export const kioskStatusSchema = z
  .object({
    shopName: z.string().min(1).max(80),
    /** The shop's time zone (its settings from the hub): the screens show clock times in it, not in the machine's zone. */
    timeZone: shopTimeZoneSchema,
    kioskId: id,
    locale: localeSchema,
    /** The shop's currency (its program's); null while a paired kiosk waits for its hub's program and takes no sale. */
    currency: moneySchema.shape.currency.nullable(),
    printer: printerStatusSchema,
    scanner: scannerStatusSchema,
    hub: hubStatusSchema,
    currentSale: saleViewSchema.nullable(),
    /** The program's keypad category keys (core/program/categories.ts): each press adds one item of its category to the sale. */
    categoryKeys: z.array(categoryKeySchema).max(24),
    /** The largest sale the kiosk takes now (the program's, else the currency's `saleCeiling`): the staff keypad keys no more; null while the kiosk holds no program. */
    saleCeiling: moneySchema.nullable(),
  })
  .strict();
export type KioskStatus = z.infer<typeof kioskStatusSchema>;

/** Today as the owner's dashboard counts it (core/metrics): sales net of refunds, voided sales left out. */
export const todayFiguresSchema = z
  .object({
    sales: count,
    salesTotal: moneySchema,
    memberSales: count,
    claims: count,
    pointsIssued: count,
    /** Points refunds and voids took back today. */
    pointsTakenBack: count,
    pointsRedeemed: count,
    redemptions: count,
    enrollments: count,
    refunds: count,
  })
  .strict();
export type TodayFigures = z.infer<typeof todayFiguresSchema>;

export const rewardSchema = z
  .object({
    rewardId: id,
    label,
    costPoints: count,
    costStamps: count,
    affordable: z.boolean(),
  })
  .strict();
export type Reward = z.infer<typeof rewardSchema>;

/** What staff must do for a redemption, said plainly on the staff screen. */
export const redeemInstructionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('handOver'), item: label }).strict(),
  z.object({ kind: z.literal('discountAmount'), amount: moneySchema }).strict(),
  z.object({ kind: z.literal('discountPercent'), percent: z.number().int().min(1).max(100) }).strict(),
]);
export type RedeemInstruction = z.infer<typeof redeemInstructionSchema>;

export const saleSummarySchema = saleViewSchema
  .pick({ saleId: true, tillSaleId: true, total: true, points: true, stamps: true, issuedAt: true, memberId: true, state: true })
  /** A refund or void staff asked for that is held until this time and can still be undone. */
  .extend({ reversalHeldUntil: isoTime.nullable() })
  .strict();
export type SaleSummary = z.infer<typeof saleSummarySchema>;

/** Field limits the renderer also uses for its inputs. */
export const LIMITS = {
  searchQuery: 80,
  name: 80,
  phone: 20,
  email: 120,
  memberCode: 64,
  voucherCode: 512,
  pin: 8,
} as const;
