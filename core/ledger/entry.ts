import { z } from 'zod';

/**
 * One line of the append-only ledger. Balances, stamps and tiers are projections of these.
 * `id` is chosen by the writer and globally unique, so receiving an entry twice is a lookup.
 */
export const entryKinds = ['earn', 'bonus', 'redeem', 'reversal', 'expiry', 'adjust'] as const;
export type EntryKind = (typeof entryKinds)[number];

export const reasonSchema = z
  .object({
    /** Machine-readable rule that produced the entry: 'base', 'campaign', 'tier', 'welcome', 'birthday', ... */
    code: z.string().min(1),
    /** Human label of the rule as the program names it ("x2 Tuesday"), printed on receipts. */
    label: z.string().optional(),
    /** Id of the program rule, campaign or reward this entry came from. */
    ruleId: z.string().optional(),
  })
  .strict();
export type Reason = z.infer<typeof reasonSchema>;

export const ledgerEntrySchema = z
  .object({
    id: z.string().min(1).max(100),
    memberId: z.string().min(1),
    kind: z.enum(entryKinds),
    points: z.number().int(),
    stamps: z.number().int(),
    /** The sale this entry belongs to, if any; a refund reverses entries by this. */
    saleId: z.string().min(1).nullable(),
    /** For a reversal: the id of the entry it reverses. */
    reverses: z.string().min(1).nullable(),
    reason: reasonSchema,
    /**
     * Optional (added by core rules): spend this entry counts toward lifetime spend and tiers, in minor
     * units of the program's currency. The sale total on a sale's base 'earn' entry; minus the refunded
     * amount on the reversal of that entry. Absent on every other entry.
     */
    spend: z.number().int().optional(),
    /** ISO 8601 instant. */
    at: z.string().datetime({ offset: true }),
  })
  .strict();

export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/** -n without the -0 that `-0` would give (entries compare and serialize cleanly). */
export function negate(n: number): number {
  return n === 0 ? 0 : -n;
}
