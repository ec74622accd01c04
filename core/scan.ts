import { decodeSafeCode, memberNumberOf } from './codes';
import type { ScanMessage, ScanMessageKey } from './i18n/scan';

/**
 * What a scan MEANS is decided here and nowhere else. Every scanner (wedge, HID POS, serial,
 * virtual) delivers text; main calls `classifyScan` and does what `action` says. Classification is
 * by shape only: signatures of vouchers and claim tokens are verified by the token code, which
 * receives the payload returned here.
 */

/** Longest text a scan may have; our longest code is a 513-letter token inside a URL. */
export const MAX_SCAN_LENGTH = 2048;

export type ScanGarbage = 'empty' | 'tooLong' | 'controlCharacters' | 'invalidText';

/**
 * Whether scanner output is text at all: not empty, not absurdly long, no control characters
 * (terminators are stripped before), no U+FFFD left by a failed UTF-8 decode. Undefined when fine.
 */
export function scanGarbage(text: string): ScanGarbage | undefined {
  if (text.length === 0) return 'empty';
  if (text.length > MAX_SCAN_LENGTH) return 'tooLong';
  // C0 controls, DEL and C1 controls. AIM prefixes and GS1 FNC1 (GS, 0x1D) are handled by the
  // scanner code before this; a stray one here means a misconfigured or faulty scanner.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return 'controlCharacters';
  if (text.includes('\uFFFD')) return 'invalidText';
  return undefined;
}

export type ScanContext = {
  /** A sale is on the counter screen, so a member can be attached to it. */
  saleOpen: boolean;
  /** Hosts whose claim URLs are ours (lower case, with port if any); when absent any host is accepted. */
  claimHosts?: readonly string[];
};

export type ScanMeaning =
  | { kind: 'member'; action: 'attachMemberToSale'; code: string; memberNumber: number; payload: Uint8Array }
  | { kind: 'voucher'; action: 'redeemVoucher'; code: string; payload: Uint8Array }
  | { kind: 'claim'; action: 'claimSale'; via: 'url' | 'code'; token: string; payload?: Uint8Array }
  | { kind: ScanRefusalKind; action: 'none'; reason: ScanRefusal; message: ScanMessage };

export type ScanRefusalKind = 'member' | 'unknown' | 'garbage';
export type ScanRefusal = 'noOpenSale' | 'misread' | 'productBarcode' | 'foreignUrl' | 'otherUrl' | 'unrecognized' | ScanGarbage;

const CLAIM_URL = /^https?:\/\/([^/?#\s]+)\/c\/([A-Za-z0-9._~-]{8,1024})\/?$/i;
const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]+)/i;
/** EAN-8, UPC-A, EAN-13, ITF-14: a product, not one of ours. */
const PRODUCT_BARCODE = /^(?:\d{8}|\d{12,14})$/;

function refuse(kind: ScanRefusalKind, reason: ScanRefusal, key: ScanMessageKey, values: ScanMessage['values'] = {}): ScanMeaning {
  return { kind, action: 'none', reason, message: { key, values } };
}

const garbageMessage: Record<ScanGarbage, ScanMessageKey> = {
  empty: 'scanGarbage',
  controlCharacters: 'scanGarbage',
  invalidText: 'scanGarbage',
  tooLong: 'scanTooLong',
};

/** The one place where a scanned text becomes an action (or a clear refusal that changes nothing). */
export function classifyScan(rawText: string, context: ScanContext): ScanMeaning {
  const text = rawText.trim();
  const garbage = scanGarbage(text);
  if (garbage) return refuse('garbage', garbage, garbageMessage[garbage]);

  const url = CLAIM_URL.exec(text);
  if (url) {
    const host = url[1]!.toLowerCase();
    if (context.claimHosts && !context.claimHosts.includes(host)) return refuse('unknown', 'foreignUrl', 'scanForeignUrl', { host });
    return { kind: 'claim', action: 'claimSale', via: 'url', token: url[2]! };
  }
  const other = ANY_URL.exec(text);
  if (other) return refuse('unknown', 'otherUrl', 'scanForeignUrl', { host: other[1]!.toLowerCase() });

  const decoded = decodeSafeCode(text);
  if (decoded.ok) {
    switch (decoded.kind) {
      case 'member':
        if (!context.saleOpen) return refuse('member', 'noOpenSale', 'scanNoOpenSale');
        return { kind: 'member', action: 'attachMemberToSale', code: decoded.code, memberNumber: memberNumberOf(decoded.payload), payload: decoded.payload };
      case 'voucher':
        return { kind: 'voucher', action: 'redeemVoucher', code: decoded.code, payload: decoded.payload };
      case 'claim':
        return { kind: 'claim', action: 'claimSale', via: 'code', token: decoded.code, payload: decoded.payload };
    }
  }
  // Our letters and a known kind, but a wrong length or check letter: a misread, not a stranger.
  if (decoded.reason === 'badCheck' || decoded.reason === 'badLength') return refuse('unknown', 'misread', 'scanMisread');
  if (PRODUCT_BARCODE.test(text)) return refuse('unknown', 'productBarcode', 'scanProductBarcode');
  return refuse('unknown', 'unrecognized', 'scanUnknown');
}
