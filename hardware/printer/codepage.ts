import iconv from 'iconv-lite';
import type { CodePage } from './profiles';

/**
 * Text to code-page bytes with iconv-lite (a maintained codec, no hand tables). A character none of
 * the printer's pages has is transliterated: a few typographic signs by table, anything else by
 * stripping its accents (NFD), and '?' only when nothing is left — never raw garbage.
 */
const SUBSTITUTES: Readonly<Record<string, string>> = {
  '€': 'EUR',
  '„': '"',
  '“': '"',
  '”': '"',
  '«': '"',
  '»': '"',
  '‚': "'",
  '‘': "'",
  '’': "'",
  '–': '-',
  '—': '-',
  '‑': '-',
  '−': '-',
  '…': '...',
  '•': '*',
  '×': 'x',
  '™': 'TM',
  '©': '(c)',
  '®': '(R)',
  ß: 'ss',
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ø: 'O',
  ø: 'o',
  Æ: 'AE',
  æ: 'ae',
  Œ: 'OE',
  œ: 'oe',
};
/** Space characters Intl puts into money and dates; printers get a plain space. */
const SPACES = /[\u00a0\u2007\u2009\u202f\u200a]/g;

/** Per page: character → its byte, or -1 when the page lacks it. Filled from iconv-lite on first use. */
const byteCache = new Map<CodePage, Map<string, number>>();

function byteOf(page: CodePage, ch: string): number {
  let cache = byteCache.get(page);
  if (!cache) byteCache.set(page, (cache = new Map()));
  let byte = cache.get(ch);
  if (byte === undefined) {
    const bytes = iconv.encode(ch, page);
    byte = bytes.length === 1 && (ch === '?' || iconv.decode(bytes, page) === ch) ? bytes[0]! : -1;
    cache.set(ch, byte);
  }
  return byte;
}

export function pageHas(page: CodePage, ch: string): boolean {
  return byteOf(page, ch) >= 0;
}

/** Per set of pages: character → what is printed for it. */
const printableCache = new Map<string, Map<string, string>>();

/** Maps `text` to characters printable on one of `pages` (the first is the main page). */
export function transliterate(text: string, pages: readonly CodePage[]): string {
  const key = pages.join(',');
  let cache = printableCache.get(key);
  if (!cache) printableCache.set(key, (cache = new Map()));
  let out = '';
  for (const ch of text.replace(SPACES, ' ')) {
    let printable = cache.get(ch);
    if (printable === undefined) {
      const code = ch.codePointAt(0)!;
      printable = code < 0x20 || code === 0x7f ? '' : printableChar(ch, pages); // control bytes would be printer commands
      if (cache.size < 4096) cache.set(ch, printable);
    }
    out += printable;
  }
  return out;
}

function printableChar(ch: string, pages: readonly CodePage[]): string {
  if (pages.some((p) => pageHas(p, ch))) return ch;
  const substitute = SUBSTITUTES[ch];
  if (substitute !== undefined) return transliterate(substitute, pages);
  const stripped = ch.normalize('NFD').replace(/\p{M}/gu, '');
  if (stripped !== ch && stripped.length > 0) return transliterate(stripped, pages);
  return '?';
}

/** A run of text in one code page. */
export interface PageRun {
  page: CodePage;
  bytes: Uint8Array;
}

/**
 * Encodes already-printable text as runs per page: the main page wherever it can, an extra page
 * for single characters the main page lacks (the per-character switch, e.g. € on a CP852 printer).
 */
export function encodeRuns(text: string, pages: readonly CodePage[]): PageRun[] {
  const runs: PageRun[] = [];
  let page: CodePage | undefined;
  let chunk: number[] = [];
  const flush = () => {
    if (page !== undefined && chunk.length > 0) runs.push({ page, bytes: Uint8Array.from(chunk) });
    chunk = [];
  };
  for (const ch of transliterate(text, pages)) {
    let target = pages[0]!;
    let byte = -1;
    for (const p of pages) {
      byte = byteOf(p, ch);
      if (byte >= 0) {
        target = p;
        break;
      }
    }
    if (target !== page) {
      flush();
      page = target;
    }
    chunk.push(byte >= 0 ? byte : 0x3f);
  }
  flush();
  return runs;
}

export function decodeBytes(bytes: Uint8Array, page: CodePage): string {
  return iconv.decode(Buffer.from(bytes), page);
}
