import { z } from 'zod';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ledgerEntrySchema } from './ledger/entry';
import { hubEarnStateSchema } from './ledger/replica-state';
import { moneySchema } from './money';
import { programVersionEnvelopeSchema } from './program/versions';
import { rewardProgressSchema } from './program/progress';
import { shopSettingsSchema } from './shop-settings';

/**
 * The kiosk ↔ hub contract, declared once. Both sides validate every payload with these schemas.
 * Events are named for what happened (claimAccepted, saleCreated), commands for what they ask
 * (syncOutbox, claimSale, pairKiosk). Socket.IO carries events; pairing is one HTTP call.
 */

/** Largest Socket.IO packet the hub accepts (bytes); bigger packets close that one connection. */
export const MAX_PACKET_BYTES = 1_000_000;
/** Most outbox messages in one syncOutbox batch. */
export const MAX_BATCH = 500;

const id = z.string().min(1).max(100);
const instant = z.string().datetime({ offset: true });

// ---- pairing (HTTP POST /v1/pair) ------------------------------------------------------------

export const pairRequestSchema = z
  .object({
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9]{4,12}$/, { error: 'pairing code: 4–12 letters or digits' }),
    name: z.string().trim().min(1).max(80),
  })
  .strict();
export type PairRequest = z.infer<typeof pairRequestSchema>;

export const pairResponseSchema = z
  .object({
    kioskId: id,
    kioskNo: z.number().int().nonnegative(),
    shopId: id,
    shopNo: z.number().int().nonnegative(),
    /** The kiosk's HMAC secret (hex, 32 bytes): signs claim tokens and the connection proof. Keep it in the kiosk store. */
    secret: z.string().regex(/^[0-9a-f]{64}$/),
    /** The hub's Ed25519 voucher public key (hex). */
    hubPublicKey: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type PairResponse = z.infer<typeof pairResponseSchema>;
export type KioskCredentials = PairResponse;

// ---- connection handshake (Socket.IO `auth`) --------------------------------------------------

export const kioskAuthSchema = z
  .object({
    kioskId: id,
    at: instant,
    /**
     * 16 random bytes (hex) the kiosk picks for this handshake; the hub accepts each nonce once per
     * kiosk, so a captured handshake cannot be replayed inside the ±AUTH_WINDOW_MS window.
     */
    nonce: z.string().regex(/^[0-9a-f]{32}$/),
    /** hex HMAC-SHA256(secret, "auth|<kioskId>|<at>|<nonce>"); the hub accepts `at` within AUTH_WINDOW_MS of its clock. */
    proof: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type KioskAuth = z.infer<typeof kioskAuthSchema>;
export const AUTH_WINDOW_MS = 10 * 60_000;

export const hexToBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
export const bytesToHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function kioskAuthProof(secretHex: string, kioskId: string, at: string, nonce: string): string {
  return bytesToHex(hmac(sha256, hexToBytes(secretHex), new TextEncoder().encode(`auth|${kioskId}|${at}|${nonce}`)));
}

/** The whole handshake `auth` of a kiosk: `nonce` is 16 random bytes from the caller (core/ draws no randomness). */
export function kioskAuth(secretHex: string, kioskId: string, at: string, nonce: Uint8Array): KioskAuth {
  const hex = bytesToHex(nonce);
  return { kioskId, at, nonce: hex, proof: kioskAuthProof(secretHex, kioskId, at, hex) };
}

// ---- outbox messages (kiosk → hub, command syncOutbox) -----------------------------------------

/** A voucher's id: 8 random bytes chosen by the hub, as 16 lower-case hex characters (core/tokens VoucherData). */
export const voucherIdSchema = z.string().regex(/^[0-9a-f]{16}$/);

export const memberRecordSchema = z
  .object({
    id,
    name: z.string().max(80).nullable(),
    phone: z.string().max(20).nullable(),
    email: z.string().max(254).nullable(),
    consentAt: instant.nullable(),
    /** The code on the card the kiosk gave (kiosks since the member directory send it; every kiosk then knows that card). */
    code: z.string().min(4).max(64).optional(),
  })
  .strict();

export const outboxMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      id,
      at: instant,
      type: z.literal('saleCreated'),
      payload: z
        .object({
          saleId: id,
          saleNo: z.number().int().nonnegative(),
          total: moneySchema,
          points: z.number().int().nonnegative(),
          stamps: z.number().int().nonnegative(),
          /**
           * `stamps` per card (stamps rule id), from the sale's lines' categories; a claim of the sale's QR
           * stamps these cards (core/claims saleCards). Absent from a kiosk older than sales keeping them.
           */
          stampsByCard: z
            .record(id, z.number().int().positive())
            .refine((cards) => Object.keys(cards).length <= 100, 'stampsByCard: at most 100 cards')
            .optional(),
          /** Set when staff attached a member at the till (scanned card); then `entries` credits them. */
          memberId: id.nullable(),
          entries: z.array(ledgerEntrySchema).max(50),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      id,
      at: instant,
      type: z.literal('ledgerAppended'),
      payload: z.object({ entries: z.array(ledgerEntrySchema).min(1).max(50) }).strict(),
    })
    .strict(),
  z.object({ id, at: instant, type: z.literal('memberEnrolled'), payload: memberRecordSchema }).strict(),
  z
    .object({
      id,
      at: instant,
      type: z.literal('saleReversed'),
      /**
       * A sale nobody had claimed at the kiosk was voided or refunded. `refunded` is the total refunded so
       * far (cumulative), `full` when nothing is left. The hub then refuses the sale's QR (full) or pays
       * only what is left of it pro rata, floor (partial). A claimed sale's reversal travels as ledgerAppended.
       */
      payload: z
        .object({
          saleId: id,
          saleNo: z.number().int().nonnegative(),
          total: moneySchema,
          refunded: moneySchema,
          full: z.boolean(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      id,
      at: instant,
      type: z.literal('saleClaimed'),
      /**
       * Staff claimed one of this kiosk's sales for a member while the hub was down
       * (KioskService.claimSaleOffline). `entries` is the claim's entry from core/claims (`claimEntry`,
       * id `claim:<saleKey>:offline`). The hub claims the sale for the member if nobody has; if a phone
       * came first, the first claim wins and the hub answers with `claimRefused`.
       */
      payload: z
        .object({
          saleId: id,
          saleNo: z.number().int().nonnegative(),
          memberId: id,
          entries: z.array(ledgerEntrySchema).min(1).max(10),
        })
        .strict()
        .refine((p) => p.entries.every((e) => e.saleId === p.saleId && e.memberId === p.memberId), {
          error: 'saleClaimed: every entry must be for the claimed sale and member',
        }),
    })
    .strict(),
  z
    .object({
      id,
      at: instant,
      type: z.literal('voucherRedeemed'),
      /**
       * This kiosk redeemed a hub-signed voucher while the hub could not be asked (verified here with the
       * hub's public key). The points were held when the voucher was issued, so this carries no ledger
       * entry: the hub keeps the first redemption of a voucher and records any later one as a conflict.
       * `at` of the message is when it was redeemed.
       */
      payload: z.object({ voucherId: voucherIdSchema, redemptionId: id }).strict(),
    })
    .strict(),
]);
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

export const syncOutboxSchema = z.object({ messages: z.array(outboxMessageSchema).min(1).max(MAX_BATCH) }).strict();
export type SyncOutbox = z.infer<typeof syncOutboxSchema>;
/**
 * A message the hub refused for good (it would not have derived it: points over what the program gives,
 * an unknown member, an id in another kiosk's or the hub's namespace…). Its id is also in `acked`: the
 * kiosk drops it from its outbox instead of sending it forever, and reports the reason to staff/logs.
 */
export const outboxRefusalSchema = z.object({ id, reason: z.string().max(500) }).strict();
export type OutboxRefusal = z.infer<typeof outboxRefusalSchema>;

/**
 * Which redemption of a voucher stands in the whole shop, for a `voucherRedeemed` of this batch: this
 * kiosk's (`stands`), or another kiosk's, named with when it was redeemed there (the kiosk that lost
 * an offline double redemption then names that kiosk, not itself).
 */
export const voucherStandingSchema = z
  .object({ voucherId: voucherIdSchema, redemptionId: id, stands: z.boolean(), kioskName: z.string().max(200), at: z.string().max(40) })
  .strict();
export type VoucherStanding = z.infer<typeof voucherStandingSchema>;

export const syncOutboxAckSchema = z.union([
  z
    .object({
      ok: z.literal(true),
      acked: z.array(id),
      refused: z.array(outboxRefusalSchema).optional(),
      vouchers: z.array(voucherStandingSchema).max(MAX_BATCH).optional(),
    })
    .strict(),
  /** `retryAfterMs`: the hub is throttling this kiosk ("slow down: …"); send again no sooner than that. */
  z.object({ ok: z.literal(false), error: z.string(), retryAfterMs: z.number().int().nonnegative().optional() }).strict(),
]);
export type SyncOutboxAck = z.infer<typeof syncOutboxAckSchema>;

// ---- claims ----------------------------------------------------------------------------------

export const claimRefusalCodes = [
  'malformed',
  'unsupported-version',
  'unknown-kiosk',
  'bad-signature',
  'wrong-shop',
  'expired',
  'already-claimed',
  'unknown-member',
  'invalid-request',
  'too-many-attempts',
  'sale-refunded',
  'exceeds-program',
] as const;
export type ClaimRefusalCode = (typeof claimRefusalCodes)[number];

/** Staff scanned a receipt's claim QR with a member attached (command from kiosk). */
export const claimSaleSchema = z.object({ token: z.string().min(1).max(200), memberId: id }).strict();
export type ClaimSale = z.infer<typeof claimSaleSchema>;

export const progressSchema = z
  .object({
    /** The member's next reward (core/program/progress `progressToReward`), null when the shop has none. */
    next: rewardProgressSchema.nullable(),
    tier: z.string().nullable(),
  })
  .strict();
export type Progress = z.infer<typeof progressSchema>;

/** Event hub → kiosk: a claim of one of this kiosk's sales was accepted (by phone or by staff). */
export const claimAcceptedSchema = z
  .object({
    /** Unique per delivery; the kiosk acks it and the hub drops it from the kiosk's queue. */
    deliveryId: id,
    saleKey: id,
    saleNo: z.number().int().nonnegative(),
    via: z.enum(['phone', 'staff']),
    member: z.object({ id, no: z.number().int().nonnegative(), name: z.string().nullable() }).strict(),
    points: z.number().int(),
    stamps: z.number().int(),
    balance: z.object({ points: z.number().int(), stamps: z.number().int() }).strict(),
    progress: progressSchema,
    /** The ledger entries the hub wrote (ids chosen by the hub), for the kiosk's own ledger. */
    entries: z.array(ledgerEntrySchema),
    at: instant,
  })
  .strict();
export type ClaimAccepted = z.infer<typeof claimAcceptedSchema>;

/**
 * Ids of the reversal entries that take back a claim the hub accepted before it heard that the kiosk
 * had voided or refunded the sale (saleReversed): the hub and the kiosk write them with the same ids.
 */
export function lateClaimReversalIds(saleKey: string, refundedTotal: number): () => string {
  let n = 0;
  return () => `reversal:${saleKey}:${refundedTotal}:${n++}`;
}

/**
 * Event hub → kiosk: a claim this kiosk made offline (saleClaimed) was refused because the sale had
 * been claimed first (by a phone, or by another member). `entries` are all the hub's ledger rows of
 * the sale — the winner's claim, the refused member's claim and its reversal (`refusedClaimReversalId`)
 * — which the kiosk appends as they are, so both ledgers end with the same rows.
 */
export const claimRefusedSchema = z
  .object({
    deliveryId: id,
    saleKey: id,
    saleNo: z.number().int().nonnegative(),
    /** The member the kiosk claimed for, who gets nothing. */
    refusedMemberId: id,
    winner: z.object({ id, no: z.number().int().nonnegative(), name: z.string().nullable() }).strict(),
    entries: z.array(ledgerEntrySchema).max(50),
    at: instant,
  })
  .strict();
export type ClaimRefused = z.infer<typeof claimRefusedSchema>;

/**
 * Event hub → kiosk: ledger entries the hub derived for one of this kiosk's sales after the sale
 * reached it, which the kiosk never computed itself: the referral bonus a friend's purchase pays
 * (`referral:<saleKey>:<n>`, both members) and the stamps of a claim that waited for the sale's report
 * (`claim:<saleKey>:card:<card>`). The kiosk appends them once (by entry id) so that a refund of the
 * sale there reverses them too; entries that arrive after a refund there are reversed at once by the
 * same rules (core/ledger/reverse `reverseLateEntries`). Never sent for a claim: that is claimAccepted.
 */
export const saleEntriesDerivedSchema = z
  .object({
    deliveryId: id,
    saleKey: id,
    entries: z
      .array(ledgerEntrySchema)
      .min(1)
      .max(50)
      .refine((entries) => entries.every((e) => e.kind !== 'reversal'), { error: 'saleEntriesDerived: no reversal entries' }),
    at: instant,
  })
  .strict()
  .refine((p) => p.entries.every((e) => e.saleId === p.saleKey), { error: 'saleEntriesDerived: every entry must be of the sale' });
export type SaleEntriesDerived = z.infer<typeof saleEntriesDerivedSchema>;

export const claimResultSchema = z.union([
  z.object({ ok: z.literal(true), accepted: claimAcceptedSchema }).strict(),
  z
    .object({
      ok: z.literal(false),
      reason: z.enum(claimRefusalCodes),
      message: z.string(),
      /** With `too-many-attempts` from a throttled kiosk: try again no sooner than this. */
      retryAfterMs: z.number().int().nonnegative().optional(),
    })
    .strict(),
]);
export type ClaimResult = z.infer<typeof claimResultSchema>;

// ---- vouchers ---------------------------------------------------------------------------------

/**
 * Staff redeem a voucher at a kiosk with the hub reachable (command from kiosk). The hub decides
 * once for the whole shop: the first redemption of a voucher id stands. `redemptionId` is chosen by
 * the kiosk; asking again with the same one (a retry) answers the same redemption.
 */
export const redeemVoucherSchema = z.object({ code: z.string().min(1).max(600), redemptionId: id }).strict();
export type RedeemVoucher = z.infer<typeof redeemVoucherSchema>;

export const voucherRefusalCodes = [
  'malformed',
  'unsupported-version',
  'bad-signature',
  'wrong-shop',
  'expired',
  'unknown-voucher',
  'already-redeemed',
  'invalid-request',
  'too-many-attempts',
] as const;
export type VoucherRefusalCode = (typeof voucherRefusalCodes)[number];

/** Where and when a voucher was redeemed (the first redemption, the one that stands). */
export const voucherRedemptionSchema = z
  .object({
    voucherId: voucherIdSchema,
    redemptionId: id,
    kioskNo: z.number().int().nonnegative(),
    kioskName: z.string(),
    at: instant,
  })
  .strict();
export type VoucherRedemption = z.infer<typeof voucherRedemptionSchema>;

export const redeemVoucherResultSchema = z.union([
  z
    .object({
      ok: z.literal(true),
      redemption: voucherRedemptionSchema,
      member: z.object({ id, no: z.number().int().nonnegative(), name: z.string().nullable() }).strict(),
      /** The hold the hub wrote when it issued the voucher: the kiosk's ledger gets the same row. */
      hold: ledgerEntrySchema.nullable(),
    })
    .strict(),
  z
    .object({
      ok: z.literal(false),
      reason: z.enum(voucherRefusalCodes),
      message: z.string(),
      /** With `already-redeemed`: the redemption that stands. */
      redeemed: voucherRedemptionSchema.optional(),
      retryAfterMs: z.number().int().nonnegative().optional(),
    })
    .strict(),
]);
export type RedeemVoucherResult = z.infer<typeof redeemVoucherResultSchema>;

export const eventAckSchema = z.object({ ok: z.boolean() }).strict();

/**
 * Event hub → kiosk: the shop's program versions a kiosk needs (the one in effect and any scheduled
 * after it; core/program/versions `liveVersions`). Sent when the kiosk connects and after every
 * publication. The kiosk checks each document with parseProgram, stores the good ones, keeps what it
 * had for a bad one (and logs it), then acks. Storing is idempotent: a version number never changes.
 */
export const programVersionsSchema = z
  .object({
    deliveryId: id,
    versions: z.array(programVersionEnvelopeSchema).min(1).max(50),
  })
  .strict();
export type ProgramVersions = z.infer<typeof programVersionsSchema>;

/**
 * Event hub → kiosk: the shop's settings (core/shop-settings.ts) as the owner saved them, and the
 * name of this kiosk's location (its address heads the receipts). Sent on connect and on each save;
 * the kiosk keeps the newest (`updatedAt`) for offline use and acks once stored.
 */
export const shopSettingsDeliverySchema = z
  .object({
    deliveryId: id,
    updatedAt: z.iso.datetime(),
    settings: shopSettingsSchema,
    location: z.string().max(200).nullable(),
  })
  .strict();
export type ShopSettingsDelivery = z.infer<typeof shopSettingsDeliverySchema>;

// ---- the member directory (hub → every kiosk's replica, by cursor) ---------------------------------

/**
 * One member as the hub has them now, with the change number (`seq`) that last touched them. An
 * erased member comes as a tombstone (`erased`, no name or contact): the kiosk forgets the person.
 * Points and stamps are the hub's balance.
 */
export const memberChangeSchema = z
  .object({
    seq: z.number().int().positive(),
    id,
    /** The hub's member number; the hub's card code is core/codes memberCodeFor(no). */
    no: z.number().int().nonnegative(),
    /** The card code a kiosk gave at enrolment; null for a member who joined by phone (memberCodeFor(no)). */
    code: z.string().min(4).max(64).nullable(),
    erased: z.boolean(),
    name: z.string().max(80).nullable(),
    phone: z.string().max(20).nullable(),
    email: z.string().max(254).nullable(),
    points: z.number().int(),
    stamps: z.number().int(),
    /** Set when the owner merged this member into another (the survivor's id): its codes lead there. */
    mergedInto: id.nullable().optional(),
    /** Stamps per card (stamps rule id) of the hub's balance; `stamps` is their sum. Absent from an older hub. */
    stampsByCard: z.record(z.string().min(1).max(100), z.number().int()).optional(),
    /** What core/earn needs of the member's history (core/ledger/replica-state). Absent from an older hub and for a tombstone. */
    earn: hubEarnStateSchema.optional(),
  })
  .strict();
export type MemberChange = z.infer<typeof memberChangeSchema>;

/** Command kiosk → hub: "the member changes after my cursor" (0: every member of the shop). */
/** A change's number is a 32-bit serial on the hub (PostgreSQL `integer`): a larger cursor is refused, not sent to the database. */
export const memberChangesSinceSchema = z.object({ cursor: z.number().int().nonnegative().max(2_147_483_647) }).strict();
export const memberChangesPageSchema = z.union([
  z.object({ ok: z.literal(true), changes: z.array(memberChangeSchema).max(1000), cursor: z.number().int().nonnegative(), more: z.boolean() }).strict(),
  z.object({ ok: z.literal(false), error: z.string(), retryAfterMs: z.number().int().nonnegative().optional() }).strict(),
]);
export type MemberChangesPage = z.infer<typeof memberChangesPageSchema>;

/** Event hub → every connected kiosk of the shop: the directory has changes up to `cursor`; ask for them. */
export const membersChangedSchema = z.object({ cursor: z.number().int().nonnegative() }).strict();
export type MembersChanged = z.infer<typeof membersChangedSchema>;

/** Socket.IO event names with their payload and ack schemas: the single declaration both sides use. */
export const kioskToHub = {
  syncOutbox: { payload: syncOutboxSchema, ack: syncOutboxAckSchema },
  claimSale: { payload: claimSaleSchema, ack: claimResultSchema },
  redeemVoucher: { payload: redeemVoucherSchema, ack: redeemVoucherResultSchema },
  memberChangesSince: { payload: memberChangesSinceSchema, ack: memberChangesPageSchema },
} as const;
export const hubToKiosk = {
  claimAccepted: { payload: claimAcceptedSchema, ack: eventAckSchema },
  claimRefused: { payload: claimRefusedSchema, ack: eventAckSchema },
  saleEntriesDerived: { payload: saleEntriesDerivedSchema, ack: eventAckSchema },
  programVersions: { payload: programVersionsSchema, ack: eventAckSchema },
  shopSettings: { payload: shopSettingsDeliverySchema, ack: eventAckSchema },
  membersChanged: { payload: membersChangedSchema, ack: null },
} as const;

export type Ack<T> = (result: T) => void;
export interface KioskToHubEvents {
  syncOutbox: (payload: SyncOutbox, ack: Ack<SyncOutboxAck>) => void;
  claimSale: (payload: ClaimSale, ack: Ack<ClaimResult>) => void;
  redeemVoucher: (payload: RedeemVoucher, ack: Ack<RedeemVoucherResult>) => void;
  memberChangesSince: (payload: z.infer<typeof memberChangesSinceSchema>, ack: Ack<MemberChangesPage>) => void;
}
export interface HubToKioskEvents {
  claimAccepted: (payload: ClaimAccepted, ack: Ack<z.infer<typeof eventAckSchema>>) => void;
  claimRefused: (payload: ClaimRefused, ack: Ack<z.infer<typeof eventAckSchema>>) => void;
  saleEntriesDerived: (payload: SaleEntriesDerived, ack: Ack<z.infer<typeof eventAckSchema>>) => void;
  programVersions: (payload: ProgramVersions, ack: Ack<z.infer<typeof eventAckSchema>>) => void;
  shopSettings: (payload: ShopSettingsDelivery, ack: Ack<z.infer<typeof eventAckSchema>>) => void;
  /** A notice, not a delivery: a kiosk that misses it catches up on its next connect or change. */
  membersChanged: (payload: MembersChanged) => void;
}
