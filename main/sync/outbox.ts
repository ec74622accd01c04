import type { OutboxMessage } from '../../core/sync-protocol';

/**
 * What the sync client needs from the kiosk store's outbox. `pending` returns the oldest messages
 * not yet acknowledged, in the order they were written; `ack` removes (or marks) them durably.
 * The real one lives in main/store; tests use a small SQLite table.
 */
export interface OutboxPort {
  pending(limit: number): OutboxMessage[];
  ack(ids: string[]): void;
}

export type { OutboxMessage };
