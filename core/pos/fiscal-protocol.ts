import { ElzabScanner, ElzabTransactionReader } from './elzab';
import { NovitusXmlScanner, NovitusXmlTransactionReader } from './novitus-xml';
import { PosnetFrameScanner, PosnetTransactionReader } from './posnet';

/**
 * The fiscal protocols the tap reads, behind one shape: a reader per till connection (frames split
 * across pieces stay with their connection) over transactions counted for the whole run (a till that
 * reconnects and resends a closing command counts once). Pure.
 */

export interface FiscalTransactionEnd {
  /** The transaction's total in grosze. */
  amount: number;
  /** Which transaction of this run it closes (1, 2, ...): a resent closing command keeps its number. */
  transaction: number;
}

/** A total read, or why a closing command could not be read (English, for the log). */
export type FiscalRead = FiscalTransactionEnd | { error: string };

export interface FiscalStreamReader {
  /** Reads a piece of the till's stream (already forwarded); answers the transactions it closes. */
  feed(chunk: Uint8Array): FiscalRead[];
  /** Whether the till stopped in the middle of a frame. */
  readonly midFrame: boolean;
}

export const FISCAL_PROTOCOLS = ['posnet', 'novitus-xml', 'elzab'] as const;
export type FiscalProtocolName = (typeof FISCAL_PROTOCOLS)[number];

export interface FiscalProtocol {
  /** The stream reader for one till connection. */
  session(): FiscalStreamReader;
}

export function fiscalProtocol(name: FiscalProtocolName): FiscalProtocol {
  switch (name) {
    case 'posnet': {
      const reader = new PosnetTransactionReader();
      return {
        session() {
          const scanner = new PosnetFrameScanner();
          return {
            feed: (chunk) => scanner.feed(chunk).flatMap((frame) => reader.read(frame) ?? []),
            get midFrame() {
              return scanner.midFrame;
            },
          };
        },
      };
    }
    case 'novitus-xml': {
      const reader = new NovitusXmlTransactionReader();
      return {
        session() {
          const scanner = new NovitusXmlScanner();
          return {
            feed: (chunk) => scanner.feed(chunk).flatMap((packet) => reader.read(packet)),
            get midFrame() {
              return scanner.midFrame;
            },
          };
        },
      };
    }
    case 'elzab': {
      const reader = new ElzabTransactionReader();
      return {
        session() {
          const scanner = new ElzabScanner();
          return {
            feed: (chunk) => scanner.feed(chunk).flatMap((command) => reader.read(command)),
            get midFrame() {
              return scanner.midFrame;
            },
          };
        },
      };
    }
  }
}
