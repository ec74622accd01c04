import { describe, expect, it } from 'vitest';
import { encodeSafeCode, memberCodeFor } from '../../core/codes';
import { classifyScan } from '../../core/scan';
import { ScanStream, type ScanEvent, type ScanLogger } from '../../hardware/scanner/stream';
import { usCharacter, WedgeDecoder, wedgeEventFromElectron, WedgeScanner, type WedgeKeyEvent, type WedgeResult } from '../../hardware/scanner/wedge';

// ---- Keyboard layouts as the OS applies them to the physical keys a (US-emulating) scanner presses.
type Layout = 'us' | 'pl' | 'de' | 'cz' | 'sk' | 'hu';
const LAYOUTS: Layout[] = ['us', 'pl', 'de', 'cz', 'sk', 'hu'];
const QWERTZ = new Set<Layout>(['de', 'cz', 'sk', 'hu']);
/** Number row Digit1..Digit9, Digit0: [unshifted, shifted]. */
const DIGIT_ROW: Record<Layout, [string, string]> = {
  us: ['1234567890', '!@#$%^&*()'],
  pl: ['1234567890', '!@#$%^&*()'],
  de: ['1234567890', '!"§$%&/()='],
  cz: ['+ěščřžýáíé', '1234567890'],
  sk: ['+ľščťžýáíé', '1234567890'],
  hu: ['123456789ö', '\'"+!%/=()Ö'],
};
/** The punctuation a claim URL needs: [unshifted, shifted] per layout. */
const PUNCTUATION: Record<Layout, Record<string, [string, string]>> = {
  us: { Semicolon: [';', ':'], Slash: ['/', '?'], Period: ['.', '>'], Minus: ['-', '_'] },
  pl: { Semicolon: [';', ':'], Slash: ['/', '?'], Period: ['.', '>'], Minus: ['-', '_'] },
  de: { Semicolon: ['ö', 'Ö'], Slash: ['-', '_'], Period: ['.', ':'], Minus: ['ß', '?'] },
  cz: { Semicolon: ['ů', '"'], Slash: ['-', '_'], Period: ['.', ':'], Minus: ['=', '%'] },
  sk: { Semicolon: ['ô', '"'], Slash: ['-', '_'], Period: ['.', ':'], Minus: ['=', '%'] },
  hu: { Semicolon: ['é', 'É'], Slash: ['-', '_'], Period: ['.', ':'], Minus: ['ü', 'Ü'] },
};

/** What the scanner presses for a character: the US key and Shift. */
function usKeyFor(ch: string): { code: string; shift: boolean } {
  for (const code of [
    'Semicolon',
    'Slash',
    'Period',
    'Minus',
    ...[...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c) => `Key${c}`),
    ...[...'0123456789'].map((d) => `Digit${d}`),
  ]) {
    for (const shift of [false, true]) if (usCharacter(code, shift) === ch) return { code, shift };
  }
  throw new Error(`no US key for ${ch}`);
}

/** What `key` the OS reports on `layout` for a physical key. */
function keyOn(layout: Layout, code: string, shift: boolean): string {
  if (code.startsWith('Key')) {
    let letter = code.slice(3);
    if (QWERTZ.has(layout) && (letter === 'Y' || letter === 'Z')) letter = letter === 'Y' ? 'Z' : 'Y';
    return shift ? letter : letter.toLowerCase();
  }
  if (code.startsWith('Digit')) {
    const index = (Number(code.slice(5)) + 9) % 10;
    return DIGIT_ROW[layout][shift ? 1 : 0][index]!;
  }
  const punct = PUNCTUATION[layout][code];
  if (!punct) throw new Error(`layout ${layout} lacks ${code}`);
  return punct[shift ? 1 : 0];
}

/** A scanner typing `text` + Enter on `layout`, 3 ms apart; `withCode` false models key-only input. */
function scannerTypes(text: string, layout: Layout, withCode: boolean, start = 1000): WedgeKeyEvent[] {
  const events: WedgeKeyEvent[] = [...text].map((ch, i) => {
    const { code, shift } = usKeyFor(ch);
    const ev: WedgeKeyEvent = { key: keyOn(layout, code, shift), at: start + 3 * i, shift };
    if (withCode) ev.code = code;
    return ev;
  });
  events.push({ key: 'Enter', code: 'Enter', at: start + 3 * text.length });
  return events;
}

function decode(events: WedgeKeyEvent[], decodeFrom: 'code' | 'key' = 'code'): { results: WedgeResult[]; scans: string[] } {
  const decoder = new WedgeDecoder({ decodeFrom });
  const results = events.map((ev) => decoder.feed(ev));
  return { results, scans: results.flatMap((r) => (r.scan === undefined ? [] : [r.scan])) };
}

const member = memberCodeFor(987_654_321);
const voucher = encodeSafeCode(
  'voucher',
  Uint8Array.from({ length: 32 }, (_, i) => (i * 53 + 7) & 0xff),
);
const claim = encodeSafeCode(
  'claim',
  Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + 1) & 0xff),
);
const naive = 'ZY-2024-0917';

describe('wedge: codes survive every keyboard layout', () => {
  it.each(LAYOUTS)('member, voucher and claim codes come out unchanged on %s, read by physical key or by character', (layout) => {
    for (const code of [member, voucher, claim]) {
      for (const withCode of [true, false]) {
        expect(decode(scannerTypes(code, layout, withCode)).scans).toEqual([code]);
        expect(decode(scannerTypes(code, layout, withCode), 'key').scans).toEqual([code]);
      }
    }
    expect(classifyScan(decode(scannerTypes(member, layout, false), 'key').scans[0]!, { saleOpen: true })).toMatchObject({
      action: 'attachMemberToSale',
      memberNumber: 987_654_321,
    });
  });

  it.each(['de', 'cz', 'sk', 'hu'] as const)('a naive code with Y, Z and digits is mangled on %s when read by character', (layout) => {
    const [scan] = decode(scannerTypes(naive, layout, false), 'key').scans;
    expect(scan).toBeDefined();
    expect(scan).not.toBe(naive);
  });

  it.each(LAYOUTS)('reading the physical key recovers even a naive code and a claim URL on %s', (layout) => {
    expect(decode(scannerTypes(naive, layout, true)).scans).toEqual([naive]);
    const url = 'HTTP://10.0.0.5:7400/C/' + claim;
    expect(decode(scannerTypes(url, layout, true)).scans).toEqual([url]);
  });

  it('the Czech number row: a scanner sending 2 through the layout gives ě', () => {
    expect(decode(scannerTypes('1234567890', 'cz', false), 'key').scans).toEqual(['+ěščřžýáíé']);
    expect(decode(scannerTypes('1234567890', 'cz', true)).scans).toEqual(['1234567890']);
  });
});

describe('wedge: scanner bursts versus a person typing', () => {
  it('swallows every key of a scan, including the terminator, and releases nothing', () => {
    const { results, scans } = decode(scannerTypes(member, 'us', true));
    expect(scans).toEqual([member]);
    expect(results.every((r) => r.swallow)).toBe(true);
    expect(results.some((r) => r.release)).toBe(false);
  });

  it('a person typing slowly gets every key back, in order, and their Enter', () => {
    const decoder = new WedgeDecoder();
    const typed: WedgeKeyEvent[] = [...'hello'].map((ch, i) => ({ key: ch, code: `Key${ch.toUpperCase()}`, at: 1000 + 120 * i }));
    const released: string[] = [];
    for (const ev of typed) {
      const r = decoder.feed(ev);
      expect(r.scan).toBeUndefined();
      for (const k of r.release ?? []) released.push(k.key);
    }
    released.push(...decoder.flush(1000 + 120 * 4 + 200).map((k) => k.key));
    expect(released.join('')).toBe('hello');
    const enter = decoder.feed({ key: 'Enter', code: 'Enter', at: 3000 });
    expect(enter).toEqual({ swallow: false });
  });

  it('a fast but short burst ending in Enter is typing: keys and Enter are released in order', () => {
    const decoder = new WedgeDecoder({ minLength: 6 });
    for (const [i, ch] of [...'ok'].entries()) decoder.feed({ key: ch, code: `Key${ch.toUpperCase()}`, at: 10 + i * 5 });
    const r = decoder.feed({ key: 'Enter', code: 'Enter', at: 20 });
    expect(r.swallow).toBe(true);
    expect(r.scan).toBeUndefined();
    expect(r.release?.map((k) => k.key)).toEqual(['o', 'k', 'Enter']);
  });

  it('a gap inside a burst releases what came before it (configurable gap)', () => {
    const strict = new WedgeDecoder({ maxGapMs: 10 });
    strict.feed({ key: 'A', code: 'KeyA', at: 0 });
    const r = strict.feed({ key: 'B', code: 'KeyB', at: 25 });
    expect(r.release?.map((k) => k.key)).toEqual(['A']);
    const lax = new WedgeDecoder({ maxGapMs: 30 });
    lax.feed({ key: 'A', code: 'KeyA', at: 0 });
    expect(lax.feed({ key: 'B', code: 'KeyB', at: 25 }).release).toBeUndefined();
  });

  it('Tab ends a scan unless only Enter is configured', () => {
    const events = scannerTypes(member, 'us', true).slice(0, -1);
    const tab: WedgeKeyEvent = { key: 'Tab', code: 'Tab', at: 5000 };
    const withTab = new WedgeDecoder();
    events.forEach((e) => withTab.feed(e));
    expect(withTab.feed({ ...tab, at: events.at(-1)!.at + 3 }).scan).toBe(member);
    const enterOnly = new WedgeDecoder({ terminators: ['Enter'] });
    events.forEach((e) => enterOnly.feed(e));
    const r = enterOnly.feed({ ...tab, at: events.at(-1)!.at + 3 });
    expect(r.scan).toBeUndefined();
    expect(r.release).toHaveLength(events.length + 1);
  });

  it('a burst longer than the buffer is dropped, never typed into the field', () => {
    const decoder = new WedgeDecoder({ maxLength: 64 });
    const events = scannerTypes('A'.repeat(10_000), 'us', true);
    const results = events.map((e) => decoder.feed(e));
    expect(results.at(-1)).toEqual({ swallow: true, dropped: 'tooLong' });
    expect(results.some((r) => r.release || r.scan)).toBe(false);
    expect(decoder.pending).toBe(0);
    // The same burst with no terminator at all: dropped when the gap comes, nothing released.
    events.slice(0, -1).forEach((e) => decoder.feed(e));
    expect(decoder.flushResult(events.at(-1)!.at + 100)).toEqual({ release: [], dropped: 'tooLong' });
    expect(decoder.pending).toBe(0);
  });

  it('on letter keys the typed case wins over the Shift flag (Caps Lock, synthetic input)', () => {
    const decoder = new WedgeDecoder();
    expect(decoder.character({ key: 'M', code: 'KeyM', at: 0, shift: false })).toBe('M');
    expect(decoder.character({ key: 'm', code: 'KeyM', at: 0, shift: true })).toBe('m');
    expect(decoder.character({ key: 'z', code: 'KeyY', at: 0, shift: false })).toBe('y');
    expect(decoder.character({ key: 'ě', code: 'Digit2', at: 0, shift: false })).toBe('2');
    expect(decoder.character({ key: '2', code: 'Digit2', at: 0, shift: true })).toBe('@');
    expect(decoder.character({ key: 'ArrowLeft', code: 'ArrowLeft', at: 0 })).toBeUndefined();
  });

  it('takes Electron before-input-event key-downs only', () => {
    expect(wedgeEventFromElectron({ type: 'keyDown', key: 'z', code: 'KeyY', shift: false }, 5)).toEqual({ key: 'z', code: 'KeyY', shift: false, at: 5 });
    expect(wedgeEventFromElectron({ type: 'keyUp', key: 'z', code: 'KeyY', shift: false }, 5)).toBeUndefined();
  });

  it('modifier keys neither type nor break a burst', () => {
    const decoder = new WedgeDecoder();
    const events = scannerTypes(member, 'de', true);
    const withShift = events.flatMap((e) => (e.key === 'Enter' ? [e] : [{ key: 'Shift', code: 'ShiftLeft', at: e.at }, e]));
    expect(withShift.map((e) => decoder.feed(e)).flatMap((r) => r.scan ?? [])).toEqual([member]);
  });
});

describe('WedgeScanner on the scan stream', () => {
  it('emits scans with source wedge and re-injects typing after the gap', async () => {
    const warnings: string[] = [];
    const logger: ScanLogger = { info: () => {}, warn: (m) => warnings.push(m) };
    const stream = new ScanStream({ now: Date.now, logger });
    const scans: ScanEvent[] = [];
    stream.on('scan', (e) => scans.push(e));
    const reinjected: string[] = [];
    const wedge = new WedgeScanner(stream, (keys) => reinjected.push(...keys.map((k) => k.key)), 'till-wedge');
    const now = Date.now();
    for (const ev of scannerTypes(member, 'hu', true, now)) expect(wedge.feed(ev)).toBe(true);
    expect(scans).toEqual([{ code: member, source: 'wedge', deviceId: 'till-wedge', at: now + 3 * member.length }]);
    expect(wedge.feed({ key: 'x', code: 'KeyX', at: Date.now() })).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(reinjected).toEqual(['x']);
    // A fast burst of control characters is garbage: dropped with a log line, no scan.
    const t = Date.now();
    for (let i = 0; i < 8; i++) wedge.feed({ key: '\u0007', at: t + i });
    wedge.feed({ key: 'Enter', code: 'Enter', at: t + 9 });
    expect(scans).toHaveLength(1);
    expect(warnings.some((w) => w.includes('controlCharacters'))).toBe(true);
    wedge.dispose();
  });
});
