import { claimEntryId } from '../core/claims';
import { earnCeilingOf, largestRewardCost, redeemableIds } from '../core/earn-ceiling';
import type { LedgerEntry } from '../core/ledger/entry';
import type { Program } from '../core/program/schema';
import { programInEffect } from '../core/program/versions';
import type { OutboxMessage } from '../core/sync-protocol';
import { claimSaleKey } from '../core/tokens';

/**
 * What the hub accepts from a paired kiosk's outbox (pure: the store looks up what it needs first).
 * A kiosk reports facts; the hub writes only what it would have derived itself:
 *  - saleCreated: the sale key is this kiosk's own (K<kioskNo>-S<saleNo>); points and stamps at most
 *    what the program versions in force at the sale's time give for its amount (core/earn-ceiling);
 *    its stamps per card (if given) on cards of those versions, summing to its stamps;
 *    entries only earn/bonus, non-negative, of this sale, for the sale's member (a referrer's bonus
 *    for another known member); a welcome bonus only for a member never welcomed before;
 *  - ledgerAppended: a reversal of an entry that exists (same member and sale, opposite sign, never
 *    more than is left of it); a redemption (never positive) naming a reward or stamp card of the
 *    program and no larger than its largest reward; an expiry (never positive). Earn, bonus and adjust
 *    are not kiosk-appended;
 *  - saleClaimed: the entries of core/claims claimEarnEntries (`claim:<own sale key>:offline` first,
 *    then `…:offline:<n>`), within what the sale's amount earns for any member (a claim earns
 *    member-aware, so more than the kiosk's anonymous figure for the sale);
 *  - saleReversed: refunded at most the total, same currency;
 *  - memberEnrolled: an opaque URL-safe id, or one in the kiosk's own namespace `<kioskId>:<opaque>`.
 * Every entry is for a member the hub knows, no entry id is in the hub's namespaces, and no entry is a
 * welcome bonus the hub holds until the member's contact is proven (cloud/join-verification.ts).
 */

/**
 * What kind of fact the hub would not derive, for the owner's page (in words, cloud/back-office/kiosks/kiosks.tsx)
 * and the flag count; the English reason beside it names the ids, for the log and the kiosk.
 * 'other': recorded before refusals had a kind (hub migration 0021).
 */
export const kioskRefusalCodes = [
  'over-earn',
  'unknown-member',
  'foreign-id',
  'not-earned',
  'welcome',
  'reversal',
  'redemption',
  'refund',
  'malformed',
  'other',
] as const;
export type KioskRefusalCode = (typeof kioskRefusalCodes)[number];

export interface Refused {
  code: KioskRefusalCode;
  reason: string;
}

const no = (code: KioskRefusalCode, reason: string): Refused => ({ code, reason });

/**
 * A kiosk that keeps sending refused facts is flagged for the owner: `refusals` refused facts within
 * `windowMs` (counted from the owner's last clearing of the flag, if that is later). An honest kiosk
 * is refused rarely (a welcome bonus paid offline twice, a claim raced by a phone); ten within a day
 * is a faulty or hostile kiosk. The flag stays until the owner clears it. A flagged kiosk's facts are
 * still checked one by one exactly like any kiosk's and applied when they pass: the flag never widens
 * what the hub accepts, and refusing everything would lose honest sales; the owner revokes a kiosk
 * they do not trust.
 */
export const KIOSK_FLAG_RULE = { refusals: 10, windowMs: 24 * 3600_000 } as const;

/** Where the flag rule starts counting refusals at `now`: the rolling window, or the owner's last clearing if later. */
export function flagWindowStart(now: Date, clearedAt: string | null): string {
  const windowStart = new Date(now.getTime() - KIOSK_FLAG_RULE.windowMs).toISOString();
  return clearedAt !== null && clearedAt > windowStart ? clearedAt : windowStart;
}

/** Ids the hub writes itself (claims, welcome bonus, referrals of kiosk purchases, refused offline claims, late-claim reversals, owner adjustments). */
const HUB_ID_PREFIXES = ['claim:', 'welcome:', 'referral:', 'refused:', 'reversal:', 'adjust:'] as const;

/** An opaque URL-safe member id (what the hub mints and what a kiosk may enrol): no `:`, no `/`, no spaces. */
export const OPAQUE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A member id a kiosk may enrol: opaque, or opaque inside its own `<kioskId>:` namespace (main/kiosk's newId). */
export function enrollableMemberId(id: string, kioskId: string): boolean {
  if (OPAQUE_ID.test(id)) return true;
  return id.startsWith(`${kioskId}:`) && OPAQUE_ID.test(id.slice(kioskId.length + 1));
}

export interface KnownEntry {
  memberId: string;
  saleId: string | null;
  points: number;
  stamps: number;
}

export interface OutboxCheckContext {
  kioskNo: number;
  kioskId: string;
  versions: readonly { effectiveFrom: string; version: number; document: Program }[];
  knownMember(id: string): boolean;
  entry(id: string): KnownEntry | undefined;
  /** Points and stamps already taken back from an entry by earlier reversals. */
  reversed(id: string): { points: number; stamps: number };
  /** The kiosk's own report of a sale (saleCreated), if the hub has it. */
  sale(saleKey: string): { points: number } | undefined;
  /** Whether the hub holds this member's welcome until their contact is proven (cloud/join-verification.ts); a kiosk cannot know. */
  welcomeHeld(memberId: string): boolean;
  /** The member (or the member this kiosk id was merged into) was already given a welcome bonus. */
  welcomed(memberId: string): boolean;
}

/** A welcome bonus a kiosk computed for a member whose welcome the hub holds: only the proven contact pays it (HubStore.payHeldWelcome). */
const heldWelcome = (ctx: OutboxCheckContext, entry: LedgerEntry): Refused | undefined =>
  entry.reason.code === 'welcome' && ctx.welcomeHeld(entry.memberId)
    ? no('welcome', `entry ${entry.id} pays member ${entry.memberId} a welcome bonus the hub holds until their contact is proven`)
    : undefined;

/** The program versions a sale at `at` may have been earned under: the one in effect then, and older ones (a kiosk that missed an update). */
function programsAt(ctx: OutboxCheckContext, at: string): Program[] {
  const inEffect = programInEffect(ctx.versions, new Date(at));
  return ctx.versions.filter((v) => inEffect === undefined || v.version <= inEffect.version).map((v) => v.document);
}

const ownSale = (ctx: OutboxCheckContext, saleId: string): boolean => new RegExp(`^K${ctx.kioskNo}-S\\d+$`).test(saleId);

function entryBasics(ctx: OutboxCheckContext, entry: LedgerEntry): Refused | undefined {
  if (HUB_ID_PREFIXES.some((prefix) => entry.id.startsWith(prefix))) return no('foreign-id', `entry id ${entry.id} is in the hub's namespace`);
  if (!ctx.knownMember(entry.memberId)) return no('unknown-member', `entry ${entry.id} is for member ${entry.memberId}, whom the hub does not know`);
  if (entry.saleId !== null && !ownSale(ctx, entry.saleId)) return no('foreign-id', `entry ${entry.id} names sale ${entry.saleId}, which is not this kiosk's`);
  return heldWelcome(ctx, entry);
}

/** Why the hub refuses this message (its kind, and English for the log and the kiosk), or undefined when it is accepted. */
export function outboxRefusal(ctx: OutboxCheckContext, message: OutboxMessage): Refused | undefined {
  switch (message.type) {
    case 'memberEnrolled':
      return enrollableMemberId(message.payload.id, ctx.kioskId)
        ? undefined
        : no(
            'foreign-id',
            `member id ${JSON.stringify(message.payload.id)} is not an opaque id of this kiosk (letters, digits, - and _, optionally after "<kioskId>:")`,
          );
    case 'saleCreated': {
      const p = message.payload;
      const key = claimSaleKey({ kioskNo: ctx.kioskNo, saleNo: p.saleNo });
      if (p.saleId !== key) return no('foreign-id', `sale id ${p.saleId} is not this kiosk's key for sale ${p.saleNo} (${key})`);
      const programs = programsAt(ctx, message.at);
      const ceiling = earnCeilingOf(programs, p.total.amount, p.total.currency);
      if (p.points > ceiling.points || p.stamps > ceiling.stamps) {
        return no(
          'over-earn',
          `sale ${key} reports ${p.points} points / ${p.stamps} stamps; the program gives at most ${ceiling.points} / ${ceiling.stamps} for ${p.total.amount} ${p.total.currency}`,
        );
      }
      if (p.stampsByCard) {
        const cards = new Set(programs.flatMap((program) => program.rules.flatMap((r) => (r.type === 'stamps' ? [r.id] : []))));
        const unknown = Object.keys(p.stampsByCard).find((card) => !cards.has(card));
        if (unknown !== undefined) return no('over-earn', `sale ${key} reports stamps on card ${JSON.stringify(unknown)}, which no program in force has`);
        const sum = Object.values(p.stampsByCard).reduce((a, b) => a + b, 0);
        if (sum !== p.stamps) return no('over-earn', `sale ${key} reports ${p.stamps} stamps but ${sum} on its cards`);
      }
      if (p.memberId === null) return p.entries.length === 0 ? undefined : no('not-earned', `sale ${key} has no member but carries ledger entries`);
      if (!ctx.knownMember(p.memberId)) return no('unknown-member', `sale ${key} is for member ${p.memberId}, whom the hub does not know`);
      const referrerMax = Math.max(0, ...programs.flatMap((program) => program.rules.map((r) => (r.type === 'referral' ? r.referrerPoints : 0))));
      let points = 0;
      let stamps = 0;
      for (const entry of p.entries) {
        const basic = entryBasics(ctx, entry);
        if (basic) return basic;
        if (entry.saleId !== key) return no('not-earned', `entry ${entry.id} is not for sale ${key}`);
        if ((entry.kind !== 'earn' && entry.kind !== 'bonus') || entry.points < 0 || entry.stamps < 0) {
          return no('not-earned', `entry ${entry.id} (${entry.kind} ${entry.points}/${entry.stamps}) is not what a sale earns`);
        }
        if (entry.memberId === p.memberId) {
          points += entry.points;
          stamps += entry.stamps;
        } else if (entry.kind !== 'bonus' || entry.reason.code !== 'referrer' || entry.stamps !== 0 || entry.points > referrerMax) {
          return no('not-earned', `entry ${entry.id} credits member ${entry.memberId}, who did not buy (only a referrer's bonus may)`);
        }
      }
      // One welcome per member, whichever kiosk rings her first purchase (a kiosk that lacked her history would pay it again).
      const welcomes = p.entries.filter((e) => e.kind === 'bonus' && e.reason.code === 'welcome');
      if (welcomes.length > 1 || (welcomes.length === 1 && ctx.welcomed(welcomes[0]!.memberId))) {
        return no(
          'welcome',
          `sale ${key} gives member ${p.memberId} a welcome bonus (${welcomes[0]!.id}), but she was welcomed before: a member is welcomed once`,
        );
      }
      if (points > ceiling.points || stamps > ceiling.stamps) {
        return no(
          'over-earn',
          `sale ${key}'s entries give ${points} points / ${stamps} stamps; the program gives at most ${ceiling.points} / ${ceiling.stamps}`,
        );
      }
      return undefined;
    }
    // The hub checks the voucher's own record (issued here, in this shop) and redeems it once when it applies the message.
    case 'voucherRedeemed':
      return undefined;
    case 'ledgerAppended': {
      const programs = ctx.versions.map((v) => v.document);
      const rewards = redeemableIds(programs);
      const largest = largestRewardCost(programs);
      for (const entry of message.payload.entries) {
        const basic = entryBasics(ctx, entry);
        if (basic) return basic;
        switch (entry.kind) {
          case 'reversal': {
            const original = entry.reverses === null ? undefined : ctx.entry(entry.reverses);
            if (!original) return no('reversal', `reversal ${entry.id} reverses ${entry.reverses ?? 'nothing'}, which the hub does not have`);
            if (original.memberId !== entry.memberId || original.saleId !== entry.saleId) {
              return no('reversal', `reversal ${entry.id} is not for the member and sale of ${entry.reverses}`);
            }
            const done = ctx.reversed(entry.reverses!);
            const within = (taken: number, already: number, of: number): boolean =>
              of >= 0 ? taken <= 0 && already + taken >= -of : taken >= 0 && already + taken <= -of;
            if (!within(entry.points, done.points, original.points) || !within(entry.stamps, done.stamps, original.stamps)) {
              return no('reversal', `reversal ${entry.id} takes back more than is left of ${entry.reverses}`);
            }
            break;
          }
          case 'redeem':
            if (entry.points > 0 || entry.stamps > 0) return no('redemption', `redemption ${entry.id} adds points or stamps`);
            if (!rewards.has(entry.reason.ruleId ?? '')) return no('redemption', `redemption ${entry.id} names no reward or stamp card of this shop`);
            if (-entry.points > largest.points || -entry.stamps > largest.stamps)
              return no('redemption', `redemption ${entry.id} debits more than any reward costs`);
            break;
          case 'expiry':
            if (entry.points > 0 || entry.stamps !== 0) return no('not-earned', `expiry ${entry.id} adds points or moves stamps`);
            break;
          case 'earn':
          case 'bonus':
          case 'adjust':
            return no('not-earned', `entry ${entry.id}: a kiosk does not append ${entry.kind} entries (sales bring their own, adjustments are the owner's)`);
        }
      }
      return undefined;
    }
    case 'saleClaimed': {
      const p = message.payload;
      const key = claimSaleKey({ kioskNo: ctx.kioskNo, saleNo: p.saleNo });
      if (p.saleId !== key) return no('foreign-id', `saleClaimed for ${p.saleId} is not sale ${p.saleNo} of this kiosk (${key})`);
      if (!ctx.knownMember(p.memberId)) return no('unknown-member', `saleClaimed for member ${p.memberId}, whom the hub does not know`);
      // The member-aware earn of core/claims claimEarnEntries: the base entry `claim:<key>:offline`, then
      // `claim:<key>:offline:<n>` (bonuses, stamps), for the claiming member but a referrer's bonus.
      const baseId = claimEntryId(key, 'offline');
      const [entry] = p.entries;
      if (!entry || entry.id !== baseId || entry.kind !== 'earn') return no('foreign-id', `saleClaimed for ${key} must carry its claim entry ${baseId} first`);
      const referrerMax = Math.max(
        0,
        ...programsAt(ctx, entry.at).flatMap((program) => program.rules.map((r) => (r.type === 'referral' ? r.referrerPoints : 0))),
      );
      let points = 0;
      let stamps = 0;
      for (const e of p.entries) {
        if (e.id !== baseId && !new RegExp(`^${baseId}:\\d+$`).test(e.id))
          return no('foreign-id', `saleClaimed for ${key} carries entry ${e.id}, not one of its claim`);
        if (!ctx.knownMember(e.memberId)) return no('unknown-member', `entry ${e.id} is for member ${e.memberId}, whom the hub does not know`);
        const held = heldWelcome(ctx, e);
        if (held) return held;
        if (e.saleId !== key || (e.kind !== 'earn' && e.kind !== 'bonus') || e.points < 0 || e.stamps < 0) {
          return no('not-earned', `entry ${e.id} (${e.kind} ${e.points}/${e.stamps}) is not what a claim of ${key} earns`);
        }
        if (e.memberId === p.memberId) {
          points += e.points;
          stamps += e.stamps;
        } else if (e.kind !== 'bonus' || e.reason.code !== 'referrer' || e.stamps !== 0 || e.points > referrerMax) {
          return no('not-earned', `entry ${e.id} credits member ${e.memberId}, who did not claim (only a referrer's bonus may)`);
        }
      }
      const currency = ctx.versions.at(-1)?.document.currency ?? '';
      const ceiling = earnCeilingOf(programsAt(ctx, entry.at), entry.spend ?? 0, currency);
      if (points > ceiling.points || stamps > ceiling.stamps) {
        return no('over-earn', `saleClaimed for ${key} gives ${points} points / ${stamps} stamps, more than the sale earns`);
      }
      return undefined;
    }
    case 'saleReversed': {
      const p = message.payload;
      const key = claimSaleKey({ kioskNo: ctx.kioskNo, saleNo: p.saleNo });
      if (p.saleId !== key) return no('foreign-id', `saleReversed for ${p.saleId} is not sale ${p.saleNo} of this kiosk (${key})`);
      if (p.refunded.currency !== p.total.currency || p.refunded.amount > p.total.amount)
        return no('refund', `saleReversed for ${key} refunds more than its total`);
      return undefined;
    }
  }
}
