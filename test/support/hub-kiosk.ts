// A small kiosk-side store for the hub tests: a ledger and an outbox in one SQLite file, each sale
// written in one transaction. Stands in for main/store until the lead wires the real one.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { LedgerEntry } from '../../core/ledger/entry';
import type { OutboxMessage } from '../../core/sync-protocol';
import type { OutboxPort } from '../../main/sync/outbox';

export class TestKioskStore implements OutboxPort {
  readonly db: Database.Database;
  private readonly insertOutbox;
  private readonly insertLedger;

  /**
   * `idPrefix` makes the message and entry ids unique when several kiosks sync to one hub (real kiosks use UUIDs);
   * `kioskNo` is the paired kiosk's number: a sale's id is its key K<kioskNo>-S<saleNo>, as the hub requires.
   */
  constructor(
    dir: string,
    readonly idPrefix = '',
    readonly kioskNo = 1,
  ) {
    this.db = new Database(join(dir, 'kiosk.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ledger (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, points INTEGER NOT NULL);`);
    this.insertOutbox = this.db.prepare('INSERT INTO outbox (id, body) VALUES (?, ?)');
    this.insertLedger = this.db.prepare('INSERT OR IGNORE INTO ledger (id, member_id, points) VALUES (?, ?, ?)');
  }

  pending(limit: number): OutboxMessage[] {
    return (this.db.prepare('SELECT body FROM outbox ORDER BY seq LIMIT ?').all(limit) as { body: string }[]).map((r) => JSON.parse(r.body) as OutboxMessage);
  }

  ack(ids: string[]): void {
    const del = this.db.prepare('DELETE FROM outbox WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  outboxSize(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  }

  ledgerCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n;
  }

  addLedger(entry: LedgerEntry): void {
    this.insertLedger.run(entry.id, entry.memberId, entry.points);
  }

  enroll(memberId: string, name: string, at: string): void {
    this.insertOutbox.run(
      `enroll-${memberId}`,
      JSON.stringify({
        id: `enroll-${memberId}`,
        at,
        type: 'memberEnrolled',
        payload: { id: memberId, name, phone: null, email: null, consentAt: at },
      } satisfies OutboxMessage),
    );
  }

  /** A sale with a member attached at the till: ledger row and outbox message in one transaction. */
  sale(saleNo: number, memberId: string, points: number, at: string): void {
    const p = this.idPrefix;
    const saleId = `K${this.kioskNo}-S${saleNo}`;
    const entry: LedgerEntry = { id: `${p}e-${saleNo}`, memberId, kind: 'earn', points, stamps: 1, saleId, reverses: null, reason: { code: 'base' }, at };
    const message: OutboxMessage = {
      id: `${p}m-${saleNo}`,
      at,
      type: 'saleCreated',
      payload: {
        saleId,
        saleNo,
        total: { amount: points * 100, currency: 'PLN' },
        points,
        stamps: 1,
        memberId,
        entries: [entry],
      },
    };
    this.db.transaction(() => {
      this.insertLedger.run(entry.id, memberId, points);
      this.insertOutbox.run(message.id, JSON.stringify(message));
    })();
  }

  close(): void {
    this.db.close();
  }
}
