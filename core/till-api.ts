import { z } from 'zod';
import { moneySchema } from './money';

/**
 * The till API (ARCHITECTURE.md, "Public interfaces"), declared once: these schemas validate the
 * requests, type the handlers and generate the OpenAPI document.
 */
export const tillSaleIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, {
  error: 'tillSaleId: letters, digits and . _ : / - only, up to 64 characters',
});

export const saleLineSchema = z.object({
  name: z.string().min(1).max(120),
  quantity: z.number().int().positive().max(10_000),
  total: moneySchema,
  category: z.string().min(1).max(60).optional(),
  sku: z.string().min(1).max(60).optional(),
}).strict();

export const createSaleRequestSchema = z.object({
  tillSaleId: tillSaleIdSchema,
  total: moneySchema,
  lines: z.array(saleLineSchema).max(500).optional(),
  memberCode: z.string().min(1).max(64).optional(),
  /** ISO 8601 instant of the sale at the till; the kiosk's clock when absent. */
  at: z.string().datetime({ offset: true }).optional(),
}).strict();
export type CreateSaleRequest = z.infer<typeof createSaleRequestSchema>;

export const earnedLineSchema = z.object({
  points: z.number().int(),
  stamps: z.number().int(),
  reason: z.string(),
}).strict();

export const saleViewSchema = z.object({
  saleId: z.string(),
  tillSaleId: z.string(),
  total: moneySchema,
  refunded: moneySchema,
  status: z.enum(['open', 'claimed', 'refunded', 'partially_refunded', 'voided']),
  points: z.number().int(),
  stamps: z.number().int(),
  earned: z.array(earnedLineSchema),
  claimUrl: z.string().nullable(),
  claimExpiresAt: z.string().nullable(),
  memberCode: z.string().nullable(),
  createdAt: z.string(),
}).strict();
export type SaleView = z.infer<typeof saleViewSchema>;

export const refundRequestSchema = z.object({
  /** The refund's own id at the till, so a retried refund is not counted twice. */
  refundId: tillSaleIdSchema.optional(),
  /** Omitted: the whole remaining amount. */
  amount: moneySchema.optional(),
}).strict().refine((r) => r.amount === undefined || r.refundId !== undefined, {
  error: 'refundId: required for a partial refund, so that a retried refund is not counted twice',
  path: ['refundId'],
});
export type RefundRequest = z.infer<typeof refundRequestSchema>;

export const refundViewSchema = z.object({
  refundId: z.string(),
  tillSaleId: z.string(),
  amount: moneySchema,
  pointsReversed: z.number().int(),
  stampsReversed: z.number().int(),
  /** Points that could not be taken back because the member had already spent them. */
  pointsNotRecovered: z.number().int(),
  sale: saleViewSchema,
}).strict();
export type RefundView = z.infer<typeof refundViewSchema>;

export const memberViewSchema = z.object({
  code: z.string(),
  name: z.string().nullable(),
  points: z.number().int(),
  stamps: z.number().int(),
  tier: z.string().nullable(),
}).strict();
export type MemberView = z.infer<typeof memberViewSchema>;

/** GET /v1/members?query=… : name (prefix), phone in any format, e-mail or member code; best first. */
export const memberSearchQuerySchema = z.object({
  query: z.string().trim().min(2, 'query: type at least 2 characters').max(100, 'query: at most 100 characters'),
}).strict();
export const memberListSchema = z.object({ members: z.array(memberViewSchema).max(50) }).strict();

/**
 * POST /v1/members: enrol at the counter. The till asks the customer's consent before it sends this.
 * A contact the kiosk already knows (any format) answers 200 with that member; a new one 201.
 */
export const enrolMemberRequestSchema = z.object({
  contact: z.string().trim().min(3).max(254),
  name: z.string().trim().max(80).optional(),
  locale: z.enum(['pl', 'hu', 'sk', 'cs', 'de', 'en']).optional(),
}).strict();
export type EnrolMemberRequest = z.infer<typeof enrolMemberRequestSchema>;

export const healthViewSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  services: z.record(z.string(), z.string()),
}).strict();
export type HealthView = z.infer<typeof healthViewSchema>;

export const errorViewSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).strict(),
}).strict();

/** What the till API needs from the kiosk; main's sale service implements it. */
export interface TillPort {
  createSale(request: CreateSaleRequest): Promise<{ created: boolean; sale: SaleView }>;
  getSale(tillSaleId: string): SaleView | undefined;
  refundSale(tillSaleId: string, request: RefundRequest): Promise<RefundView>;
  voidSale(tillSaleId: string): Promise<RefundView>;
  /** By member code, card QR or phone number. */
  getMember(code: string): MemberView | undefined;
  searchMemberViews(query: string): MemberView[];
  enrolMember(request: EnrolMemberRequest): Promise<{ created: boolean; member: MemberView }>;
  health(): HealthView;
}
