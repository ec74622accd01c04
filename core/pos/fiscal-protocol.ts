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

/** How a protocol's serial line is set: character framing and flow control (the baud rate is configured). */
export interface FiscalSerialLine {
  dataBits: 8;
  stopBits: 1;
  parity: 'none' | 'even';
  /** Hardware flow control: the sender waits while the other side holds CTS off. */
  rtscts: boolean;
}

/**
 * Each protocol's line. Elzab (Omega II generation and Mera): 8 data bits, even parity, 1 stop bit,
 * RTS/CTS, as the public driver opens its port (ElzabOmega2.java and ElzabMera.java,
 * `setSerialPortParams(9600, DATABITS_8, STOPBITS_1, PARITY_EVEN)` and `FLOWCONTROL_RTSCTS_OUT`,
 * sending only while CTS is on); a port left at no parity garbles every byte the printer checks.
 * Posnet and Novitus: 8N1 with no flow control, as the drivers the tap follows open them.
 */
export const FISCAL_SERIAL_LINES: Record<FiscalProtocolName, FiscalSerialLine> = {
  posnet: { dataBits: 8, stopBits: 1, parity: 'none', rtscts: false },
  'novitus-xml': { dataBits: 8, stopBits: 1, parity: 'none', rtscts: false },
  elzab: { dataBits: 8, stopBits: 1, parity: 'even', rtscts: true },
};

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
