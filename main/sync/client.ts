import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import {
  claimAcceptedSchema,
  claimRefusedSchema,
  claimResultSchema,
  kioskAuth,
  memberChangesPageSchema,
  membersChangedSchema,
  programVersionsSchema,
  saleEntriesDerivedSchema,
  shopSettingsDeliverySchema,
  type ShopSettingsDelivery,
  redeemVoucherResultSchema,
  syncOutboxAckSchema,
  type ClaimAccepted,
  type MemberChange,
  type ClaimRefused,
  type SaleEntriesDerived,
  type ClaimResult,
  type HubToKioskEvents,
  type RedeemVoucherResult,
  type KioskToHubEvents,
  type OutboxRefusal,
  type VoucherStanding,
  type ProgramVersions,
} from '../../core/sync-protocol';
import type { OutboxPort } from './outbox';
import type { Clock } from '../../core/clock';

/**
 * The kiosk's side of sync. Drains the SQLite outbox to the hub in order, one acknowledged batch at
 * a time (emitWithAck with a timeout; on failure it waits with a growing back-off and sends the same
 * batch again — the hub ignores message ids it has processed, so the effect is exactly once).
 * Receives `claimAccepted` from the hub — including claims made while this kiosk was offline, which
 * the hub keeps queued until the kiosk acknowledges them — and re-emits it to the kiosk app.
 *
 * Several hub nodes: `hubUrl` may list several addresses (an array, or one string with commas, as
 * in HUB_URL). The client connects to the first; whenever a connection attempt fails it moves to the
 * next, round the list, so the kiosks of a node that died carry on with another. A hub that says
 * "slow down" (`retryAfterMs` in its answer) is obeyed before the batch is sent again.
 */

export type SyncState = 'connecting' | 'online' | 'offline' | 'refused' | 'stopped';
export interface SyncStatus {
  state: SyncState;
  detail: string;
}

/**
 * The kiosk's replica of the hub's member directory: where it stands (its cursor) and how a page of
 * changes is stored (with the new cursor, in one transaction).
 */
export interface MemberReplicaPort {
  cursor(): number;
  apply(changes: readonly MemberChange[], cursor: number): void;
}

export interface SyncClientOptions {
  /** One hub address, or several (array, or comma-separated) of nodes of the same hub. */
  hubUrl: string | readonly string[];
  credentials: { kioskId: string; secret: string };
  outbox: OutboxPort;
  /** The member directory replica; without it the client syncs no members. */
  members?: MemberReplicaPort;
  batchSize?: number;
  ackTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** The kiosk's clock (core/clock.ts): the time of its auth proof, which the hub checks against its own. */
  now: Clock;
}

export interface SyncClientEvents {
  /** A claim of one of this kiosk's sales was accepted by the hub: show the thank-you, add the entries. */
  claimAccepted: [ClaimAccepted];
  /** A claim this kiosk made offline lost to an earlier claim: append the entries, tell staff. */
  claimRefused: [ClaimRefused];
  /** Entries the hub derived for one of this kiosk's sales (a referral, stamps that waited for its report): append them. */
  saleEntriesDerived: [SaleEntriesDerived];
  /** The shop's program versions from the hub: store them (the ack is sent after the listeners ran). */
  programVersions: [ProgramVersions];
  /** The shop's settings from the hub: store them (the ack is sent after the listeners ran). */
  shopSettings: [ShopSettingsDelivery];
  status: [SyncStatus];
  /** Something the staff or the logs should know (in English, for the log). */
  syncError: [string];
  /**
   * The hub refused an outbox message for good (it would not derive it: see docs/changes/security.md).
   * It was acked with the others and has left the outbox (sending it again would be refused again);
   * the reason is in English, for the log and staff.
   */
  outboxRefused: [OutboxRefusal];
  /** The hub applied a voucher this kiosk redeemed offline: whose redemption stands (this kiosk's or another's). */
  voucherSettled: [VoucherStanding];
  /** The outbox is empty and everything was acknowledged. */
  drained: [];
}

export class HubOfflineError extends Error {
  constructor() {
    super('Hub offline: the claim needs the hub — try again when the hub status is green');
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HUB_URL with one address or several separated by commas → the list, in order; empty entries dropped. */
export function hubUrlList(value: string | readonly string[]): string[] {
  const list = (typeof value === 'string' ? value.split(',') : [...value]).map((u) => u.trim()).filter((u) => u.length > 0);
  if (list.length === 0) throw new Error('HUB_URL is empty: give the hub address, or several separated by commas');
  for (const url of list) {
    if (!/^https?:\/\/[^/\s]+/i.test(url)) throw new Error(`HUB_URL entry "${url}" is not an http(s):// address`);
  }
  return list;
}

export class SyncClient extends EventEmitter<SyncClientEvents> {
  private readonly socket: Socket<HubToKioskEvents, KioskToHubEvents>;
  private readonly hubUrls: string[];
  private urlIndex = 0;
  private readonly outbox: OutboxPort;
  private members: MemberReplicaPort | undefined;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private readonly batchSize: number;
  private readonly ackTimeoutMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private backoffMs: number;
  private draining = false;
  private again = false;
  private stopped = false;
  private readonly seenDeliveries = new Set<string>();
  private statusNow: SyncStatus = { state: 'connecting', detail: 'connecting to the hub' };

  constructor(options: SyncClientOptions) {
    super();
    this.outbox = options.outbox;
    this.members = options.members;
    this.batchSize = options.batchSize ?? 200;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.minBackoffMs = options.minBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.backoffMs = this.minBackoffMs;
    const now = options.now;
    const { kioskId, secret } = options.credentials;
    this.hubUrls = hubUrlList(options.hubUrl);
    this.socket = io(this.hubUrls[0]!, {
      autoConnect: false,
      // Its own connection, never one shared with another client of the same address in this process
      // (Socket.IO multiplexes by default): each kiosk authenticates and fails over on its own.
      forceNew: true,
      transports: ['websocket'],
      reconnectionDelay: this.minBackoffMs,
      reconnectionDelayMax: this.maxBackoffMs,
      // A fresh proof for every (re)connection.
      auth: (cb) => {
        const at = now().toISOString();
        cb(kioskAuth(secret, kioskId, at, randomBytes(16)));
      },
    });
    // Every failed connection attempt (first or re-) moves on to the next hub node, round the list.
    this.socket.io.on('error', () => {
      if (this.hubUrls.length < 2) return;
      this.urlIndex = (this.urlIndex + 1) % this.hubUrls.length;
      // The Manager's address is the one the maintainers point to for client-side failover
      // (socket.io-client#1466, socket.io#5292), though its TypeScript type keeps it private.
      (this.socket.io as unknown as { uri: string }).uri = this.hubUrls[this.urlIndex]!;
    });
    this.socket.on('connect', () => {
      this.setStatus('online', this.hubUrls.length > 1 ? `connected to the hub at ${this.hubUrl}` : 'connected to the hub');
      this.backoffMs = this.minBackoffMs;
      this.kick();
      void this.pullMembers();
    });
    this.socket.on('disconnect', (reason) => {
      if (this.stopped) return;
      this.setStatus('offline', `hub connection lost (${reason}); sales wait in the outbox`);
      // Socket.IO does not reconnect by itself after the server closed the socket: ask again (the hub may refuse).
      if (reason === 'io server disconnect') {
        setTimeout(() => {
          if (!this.stopped && !this.socket.connected) this.socket.connect();
        }, this.minBackoffMs).unref();
      }
    });
    this.socket.on('connect_error', (error) => {
      if (this.socket.active) {
        this.setStatus('offline', `hub not reachable (${error.message}); sales wait in the outbox`);
        return;
      }
      // Refused by the hub's handshake: it will not change by itself quickly, so retry slowly.
      this.setStatus('refused', `hub refused this kiosk: ${error.message}`);
      setTimeout(() => {
        if (!this.stopped && !this.socket.connected) this.socket.connect();
      }, this.maxBackoffMs).unref();
    });
    this.socket.on('claimAccepted', (payload, ack) => this.receive('claimAccepted', claimAcceptedSchema, payload, ack));
    this.socket.on('claimRefused', (payload, ack) => this.receive('claimRefused', claimRefusedSchema, payload, ack));
    this.socket.on('saleEntriesDerived', (payload, ack) => this.receive('saleEntriesDerived', saleEntriesDerivedSchema, payload, ack));
    this.socket.on('programVersions', (payload, ack) => this.receive('programVersions', programVersionsSchema, payload, ack));
    this.socket.on('shopSettings', (payload, ack) => this.receive('shopSettings', shopSettingsDeliverySchema, payload, ack));
    // A notice that the directory changed: ask for what is new (a notice for changes already held costs one empty page).
    this.socket.on('membersChanged', (payload) => {
      const parsed = membersChangedSchema.safeParse(payload);
      if (parsed.success && this.members && parsed.data.cursor > this.members.cursor()) void this.pullMembers();
    });
  }

  /** Sets the member replica (when the store it lives in is opened after the client). */
  replicateMembers(port: MemberReplicaPort): void {
    this.members = port;
    if (this.socket.connected) void this.pullMembers();
  }

  /**
   * Brings the member replica up to the hub: pages of "changes since my cursor" until there are no
   * more. One pull at a time; a notice during a pull makes it go round once more. Never throws: a
   * failed pull is retried on the next notice, connection or outbox batch.
   */
  pullMembers(): Promise<void> {
    if (!this.members) return Promise.resolve();
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      try {
        do {
          this.pullAgain = false;
          await this.pullPages(this.members!);
        } while (this.pullAgain && this.socket.connected && !this.stopped);
      } finally {
        this.pulling = undefined;
      }
    })();
    return this.pulling;
  }

  private async pullPages(members: MemberReplicaPort): Promise<void> {
    for (let pages = 0; pages < 10_000 && this.socket.connected && !this.stopped; pages++) {
      let answer: unknown;
      try {
        answer = await this.socket.timeout(this.ackTimeoutMs).emitWithAck('memberChangesSince', { cursor: members.cursor() });
      } catch {
        this.emit('syncError', 'member directory: no answer from the hub in time; asking again on the next change');
        return;
      }
      const parsed = memberChangesPageSchema.safeParse(answer);
      if (!parsed.success) {
        this.emit('syncError', `member directory page failed the schema: ${parsed.error.issues[0]?.message ?? ''}`);
        return;
      }
      if (!parsed.data.ok) {
        if (parsed.data.retryAfterMs === undefined) {
          this.emit('syncError', `member directory: ${parsed.data.error}`);
          return;
        }
        await sleep(Math.min(Math.max(parsed.data.retryAfterMs, this.minBackoffMs), this.maxBackoffMs));
        continue;
      }
      try {
        members.apply(parsed.data.changes, parsed.data.cursor);
      } catch (error) {
        this.emit('syncError', `member directory page could not be stored: ${String(error)}`);
        return;
      }
      if (!parsed.data.more) return;
    }
  }

  /** A hub delivery: checked by its schema, emitted once per delivery id, acked once taken in. */
  private receive<E extends 'claimAccepted' | 'claimRefused' | 'saleEntriesDerived' | 'programVersions' | 'shopSettings'>(
    event: E,
    schema: z.ZodType<SyncClientEvents[E][0]>,
    payload: unknown,
    ack: ((answer: { ok: boolean }) => void) | undefined,
  ): void {
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      this.emit('syncError', `${event} from the hub failed the schema: ${parsed.error.issues[0]?.message ?? ''}`);
      if (typeof ack === 'function') ack({ ok: false });
      return;
    }
    if (!this.seenDeliveries.has(parsed.data.deliveryId)) {
      try {
        (this.emit as (name: E, value: SyncClientEvents[E][0]) => boolean)(event, parsed.data);
      } catch (error) {
        // Not taken in (the store refused it): no ack, so the hub sends it again.
        this.emit('syncError', `${event} from the hub could not be applied: ${String(error)}`);
        if (typeof ack === 'function') ack({ ok: false });
        return;
      }
      this.seenDeliveries.add(parsed.data.deliveryId);
      if (this.seenDeliveries.size > 2000) this.seenDeliveries.delete(this.seenDeliveries.values().next().value!);
    }
    if (typeof ack === 'function') ack({ ok: true });
  }

  get status(): SyncStatus {
    return this.statusNow;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The hub address in use (or being tried). */
  get hubUrl(): string {
    return this.hubUrls[this.urlIndex]!;
  }

  start(): this {
    this.stopped = false;
    this.socket.connect();
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.socket.disconnect();
    this.setStatus('stopped', 'sync stopped');
  }

  /** Call after writing to the outbox: starts a drain if none is running. */
  kick(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  /** Staff scanned a receipt's claim QR for a member: needs the hub (single use is decided there). */
  async claimSale(token: string, memberId: string): Promise<ClaimResult> {
    if (!this.socket.connected) throw new HubOfflineError();
    const answer: unknown = await this.socket.timeout(this.ackTimeoutMs).emitWithAck('claimSale', { token, memberId });
    const parsed = claimResultSchema.safeParse(answer);
    if (!parsed.success) throw new Error('Hub answered a claim with something this kiosk does not understand');
    return parsed.data;
  }

  /**
   * Staff redeem a voucher: the hub decides once for the whole shop. Throws HubOfflineError (or the
   * ack timeout's error) when the hub cannot be asked; the kiosk then redeems offline and reports it.
   */
  async redeemVoucher(code: string, redemptionId: string): Promise<RedeemVoucherResult> {
    if (!this.socket.connected) throw new HubOfflineError();
    const answer: unknown = await this.socket.timeout(this.ackTimeoutMs).emitWithAck('redeemVoucher', { code, redemptionId });
    const parsed = redeemVoucherResultSchema.safeParse(answer);
    if (!parsed.success) throw new Error('Hub answered a voucher redemption with something this kiosk does not understand');
    return parsed.data;
  }

  private setStatus(state: SyncState, detail: string): void {
    this.statusNow = { state, detail };
    this.emit('status', this.statusNow);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      do {
        this.again = false;
        while (this.socket.connected && !this.stopped) {
          const batch = this.outbox.pending(this.batchSize);
          if (batch.length === 0) {
            this.emit('drained');
            break;
          }
          let answer: unknown;
          try {
            answer = await this.socket.timeout(this.ackTimeoutMs).emitWithAck('syncOutbox', { messages: batch });
          } catch {
            await this.backoff('no acknowledgement from the hub in time');
            continue;
          }
          const parsed = syncOutboxAckSchema.safeParse(answer);
          if (parsed.success && !parsed.data.ok && parsed.data.retryAfterMs !== undefined) {
            // The hub throttles this kiosk: wait as long as it says (capped), then send the same batch.
            const wait = Math.min(Math.max(parsed.data.retryAfterMs, this.minBackoffMs), this.maxBackoffMs);
            this.emit('syncError', `hub asked this kiosk to slow down (${parsed.data.error}); waiting ${wait} ms`);
            await sleep(wait);
            continue;
          }
          if (!parsed.success || !parsed.data.ok) {
            await this.backoff(parsed.success && !parsed.data.ok ? parsed.data.error : 'hub answer not understood');
            continue;
          }
          // The hub's balances with this batch in them first, then the batch leaves the outbox: a balance
          // shown meanwhile (hub's + not yet acknowledged) counts the batch, never misses it.
          await this.pullMembers();
          // Stopped meanwhile (the kiosk is shutting down, its store may be closed): leave the batch in the
          // outbox; the next start sends it again and the hub, which has it, answers it as a duplicate.
          if (this.stopped) return;
          // Refused ids are in `acked` too: they leave the outbox like accepted ones, once.
          this.outbox.ack(parsed.data.acked);
          for (const refusal of parsed.data.refused ?? []) {
            this.emit('syncError', `hub refused outbox message ${refusal.id} for good: ${refusal.reason}`);
            this.emit('outboxRefused', refusal);
          }
          for (const standing of parsed.data.vouchers ?? []) this.emit('voucherSettled', standing);
          this.backoffMs = this.minBackoffMs;
        }
      } while (this.again && this.socket.connected && !this.stopped);
    } finally {
      this.draining = false;
    }
  }

  private async backoff(why: string): Promise<void> {
    this.emit('syncError', `outbox batch not acknowledged: ${why}; retrying in ${this.backoffMs} ms`);
    await sleep(this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
  }
}
