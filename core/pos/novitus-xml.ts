import type { FiscalRead } from './fiscal-protocol';

/**
 * Reading the Novitus XML protocol (the protocol of Novitus' current fiscal printers: "Protokół
 * komunikacyjny XML", English edition "communication protocol XML") off a copy of the till's bytes,
 * for the fiscal tap. Pure: nothing here decides what reaches the printer.
 *
 * What is read, and where it comes from (docs/hardware.md, "Fiscal tap"): the driver
 * github.com/mwegrzynek/litex.novitus_xml (which ships Novitus' specification PDF in its docs/)
 * sends each command as one XML element wrapped in a packet,
 *
 *   <packet crc="HEX"><receipt action="begin" mode="online" pharmaceutical="no"></receipt></packet>
 *   <packet crc="HEX"><item name=… quantity=… ptu="A" price=… action="sale" …></item></packet>
 *   <packet crc="HEX"><receipt action="close" total="16.0" systemno=… checkout=… cashier=…></receipt></packet>
 *
 * (`invoice` with the same `begin`/`close`/`cancel` actions for invoices; `receipt action="cancel"`
 * drops one). `crc` is optional (the driver can send packets without it) and is the CRC-32 (zlib) of
 * the element's bytes, the text between `<packet …>` and `</packet>`, as upper-case hex without
 * leading zeros. `total` is the amount in złoty with a dot. Text is CP1250; the tap reads only names,
 * actions and amounts, which are ASCII, so Latin-1 keeps every byte without guessing.
 *
 * Not read: the Polish-tag edition of the protocol (`<pakiet>`, `<paragon akcja="zamknij" …>`).
 * Public code that speaks it disagrees on the name of the closing total (`kwota` in one driver,
 * `suma` in another) and its specification text could not be read, so the tap does not guess.
 */

/** A packet longer than this is not a command (the longest carry a receipt's lines). */
const MAX_PACKET_CHARS = 64 * 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as zlib computes it (reflected, polynomial 0xEDB88320, start and final XOR 0xFFFFFFFF). */
export function novitusCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Builds a packet (for tests and tools) as the litex driver does: the element with its attributes in
 * the given order and an empty body, wrapped in `<packet>`, with the CRC of the element when asked.
 */
export function encodeNovitusXmlPacket(name: string, attributes: Readonly<Record<string, string>>, options: { crc?: boolean } = {}): Uint8Array {
  const element = `<${name}${Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`)
    .join('')}></${name}>`;
  const crc = options.crc === false ? '' : ` crc="${novitusCrc32(latin1(element)).toString(16).toUpperCase()}"`;
  return latin1(`<packet${crc}>${element}</packet>`);
}

export interface NovitusXmlCommand {
  name: string;
  attributes: Record<string, string>;
}

export interface NovitusXmlPacket {
  commands: NovitusXmlCommand[];
  /** The `crc` attribute as sent, if any. */
  crc?: string;
  /** False only when a `crc` was sent and does not match: the printer rejects such a packet. */
  crcOk: boolean;
}

const unescape = (value: string) =>
  value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, '&');

function attributesOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1]!] = unescape(m[2] ?? m[3] ?? '');
  return out;
}

/** Parses one packet's text, `<packet …>` to `</packet>` included; undefined for another shape. */
export function parseNovitusXmlPacket(text: string): NovitusXmlPacket | undefined {
  const open = /^<packet(\s[^>]*)?>/.exec(text);
  if (!open || !text.endsWith('</packet>')) return undefined;
  const inner = text.slice(open[0].length, -'</packet>'.length);
  const crc = attributesOf(open[1] ?? '').crc;
  let crcOk = true;
  if (crc !== undefined) crcOk = /^[0-9A-Fa-f]{1,8}$/.test(crc) && parseInt(crc, 16) === novitusCrc32(latin1(inner));
  const commands: NovitusXmlCommand[] = [];
  // Start tags only: the commands and their children (an item's discount); end tags carry nothing.
  for (const m of inner.matchAll(/<([A-Za-z_][\w.-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/g)) {
    commands.push({ name: m[1]!, attributes: attributesOf(m[2] ?? '') });
  }
  return { commands, ...(crc === undefined ? {} : { crc }), crcOk };
}

/**
 * Finds packets in a byte stream that arrives in pieces of any size. It only reads: the caller has
 * already forwarded each piece. Bytes outside packets (status requests, garbage) are skipped; an
 * overlong packet is dropped.
 */
export class NovitusXmlScanner {
  private text = '';

  feed(chunk: Uint8Array): NovitusXmlPacket[] {
    for (const byte of chunk) this.text += String.fromCharCode(byte);
    const found: NovitusXmlPacket[] = [];
    for (;;) {
      const start = this.text.indexOf('<packet');
      if (start < 0) {
        // Keep what could be the beginning of "<packet" split across pieces.
        this.text = this.text.slice(-6);
        break;
      }
      if (start > 0) this.text = this.text.slice(start);
      const end = this.text.indexOf('</packet>');
      if (end < 0) {
        if (this.text.length > MAX_PACKET_CHARS) this.text = this.text.slice(1);
        break;
      }
      const packet = parseNovitusXmlPacket(this.text.slice(0, end + '</packet>'.length));
      this.text = this.text.slice(end + '</packet>'.length);
      if (packet) found.push(packet);
    }
    return found;
  }

  /** Whether a packet was started and not finished (the till stopped mid-packet). */
  get midFrame(): boolean {
    return this.text.startsWith('<packet');
  }
}

/** `total="16.0"` → 1600 grosze; undefined for anything but digits with at most two decimals after a dot. */
export function novitusAmount(value: string): number | undefined {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/**
 * Follows transactions: `receipt` or `invoice` with `action="begin"` opens one, `action="close"`
 * closes it with its `total`. A close resent without a new begin (a till repeating after a lost
 * answer) gives the same transaction number, so its sale counts once. A packet whose CRC fails is
 * ignored, as the printer ignores it.
 */
export class NovitusXmlTransactionReader {
  private opened = 0;

  read(packet: NovitusXmlPacket): FiscalRead[] {
    if (!packet.crcOk) return [];
    const out: FiscalRead[] = [];
    for (const command of packet.commands) {
      if (command.name !== 'receipt' && command.name !== 'invoice') continue;
      const action = command.attributes.action;
      if (action === 'begin') this.opened++;
      if (action !== 'close') continue;
      const total = command.attributes.total;
      if (total === undefined) {
        out.push({ error: `${command.name} close without a "total"` });
        continue;
      }
      const amount = novitusAmount(total);
      if (amount === undefined) out.push({ error: `${command.name} total "${total}" is not an amount in złoty` });
      else out.push({ amount, transaction: this.opened });
    }
    return out;
  }
}
