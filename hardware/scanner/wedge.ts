import type { ScanStream } from './stream';

/**
 * Keyboard-wedge scanners type the code as keystrokes and end it with Enter or Tab. This decoder
 * is fed every key event (from Electron's `before-input-event` in main, or a renderer keydown
 * forwarded over IPC) and tells a scanner burst from a person typing by timing: a scan is at least
 * `minLength` characters with no gap over `maxGapMs`, ended by a terminator. Keys are held back
 * (swallowed) while they may be a scan, so a scan never lands in a focused field; once the burst
 * turns out to be a person (a gap, a terminator too early, another key), they are released for the
 * caller to re-inject, in order. It imports nothing, so it can run in any process.
 *
 * Characters are read from the physical key (`code`, e.g. KeyY, Digit1) as a US keyboard — which is
 * what scanners emulate by default — so the OS layout (QWERTZ swaps Y/Z, Czech/Slovak number rows,
 * Hungarian ö on 0) does not change the text. Where only `key` is available (or `decodeFrom: 'key'`
 * for a scanner set to the OS layout), only layout-safe codes survive: see core/codes.ts.
 */
export type WedgeKeyEvent = { key: string; code?: string; at: number; shift?: boolean };

export type WedgeOptions = {
  /** Longest pause between two keys of one scan (ms). Scanners: 1–15 ms; people: 50 ms and more. */
  maxGapMs: number;
  /** Shortest scan, without the terminator. Shorter bursts are released as typing. */
  minLength: number;
  /** Keys that end a scan. */
  terminators: readonly ('Enter' | 'Tab')[];
  /** Longest scan held back; a longer burst is dropped as garbage, never typed into a field. */
  maxLength: number;
  /** 'code' reads the physical key as US (default); 'key' trusts the OS layout's character. */
  decodeFrom: 'code' | 'key';
};

export const DEFAULT_WEDGE_OPTIONS: WedgeOptions = {
  maxGapMs: 35,
  minLength: 6,
  terminators: ['Enter', 'Tab'],
  maxLength: 2048,
  decodeFrom: 'code',
};

export type WedgeResult = {
  /** Stop this key from reaching the page (preventDefault). */
  swallow: boolean;
  /** A complete scan. */
  scan?: string;
  /** Earlier swallowed keys (and possibly this one) that were typing after all: re-inject them, in order. */
  release?: WedgeKeyEvent[];
  /** Keys are held: call `flush(now)` at this time if no other key came. */
  flushAt?: number;
  /** A burst that was dropped as garbage (too long). */
  dropped?: 'tooLong';
};

/**
 * Electron's `before-input-event` input (the fields we need, no electron import): key-downs become
 * decoder events, everything else (key-ups, IME) is not for the decoder and passes untouched.
 */
export function wedgeEventFromElectron(input: { type: string; key: string; code: string; shift: boolean }, at: number): WedgeKeyEvent | undefined {
  if (input.type !== 'keyDown') return undefined;
  return { key: input.key, code: input.code, shift: input.shift, at };
}

/** The US keyboard, which scanners emulate: physical key → [unshifted, shifted]. */
const US_KEYS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ...[...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((ch) => [`Key${ch}`, [ch.toLowerCase(), ch]] as const),
  ...[...'1234567890'].map((d, i) => [`Digit${d}`, [d, ')!@#$%^&*('[(i + 1) % 10]!]] as const),
  ...[...'0123456789'].map((d) => [`Numpad${d}`, [d, d]] as const),
  ['Minus', ['-', '_']],
  ['Equal', ['=', '+']],
  ['BracketLeft', ['[', '{']],
  ['BracketRight', [']', '}']],
  ['Backslash', ['\\', '|']],
  ['Semicolon', [';', ':']],
  ['Quote', ["'", '"']],
  ['Backquote', ['`', '~']],
  ['Comma', [',', '<']],
  ['Period', ['.', '>']],
  ['Slash', ['/', '?']],
  ['Space', [' ', ' ']],
  ['NumpadDecimal', ['.', '.']],
  ['NumpadDivide', ['/', '/']],
  ['NumpadMultiply', ['*', '*']],
  ['NumpadSubtract', ['-', '-']],
  ['NumpadAdd', ['+', '+']],
]);

/** Keys that neither type nor interrupt a burst. */
const MODIFIERS = new Set(['Shift', 'CapsLock', 'ShiftLeft', 'ShiftRight']);

export function usCharacter(code: string, shift: boolean): string | undefined {
  const pair = US_KEYS.get(code);
  return pair ? pair[shift ? 1 : 0] : undefined;
}

export class WedgeDecoder {
  readonly options: WedgeOptions;
  private held: WedgeKeyEvent[] = [];
  private text = '';
  private overflow = false;

  constructor(options: Partial<WedgeOptions> = {}) {
    this.options = { ...DEFAULT_WEDGE_OPTIONS, ...options };
  }

  /** The character a key event types, or undefined when it types none. */
  character(ev: WedgeKeyEvent): string | undefined {
    if (this.options.decodeFrom === 'code' && ev.code) {
      const pair = US_KEYS.get(ev.code);
      if (pair) {
        // On a letter key the case of the typed letter tells (it already includes Caps Lock);
        // elsewhere the Shift flag does, or without one, whether the US shifted symbol was typed.
        const letterCase =
          ev.code.startsWith('Key') && ev.key.length === 1 && ev.key.toLowerCase() !== ev.key.toUpperCase() ? ev.key !== ev.key.toLowerCase() : undefined;
        const shift = letterCase ?? ev.shift ?? (ev.key === pair[1] && pair[0] !== pair[1]);
        return pair[shift ? 1 : 0];
      }
    }
    return [...ev.key].length === 1 ? ev.key : undefined;
  }

  private isTerminator(ev: WedgeKeyEvent): boolean {
    const name = ev.code === 'NumpadEnter' ? 'Enter' : ev.code === 'Enter' || ev.code === 'Tab' ? ev.code : ev.key;
    return (this.options.terminators as readonly string[]).includes(name);
  }

  feed(ev: WedgeKeyEvent): WedgeResult {
    if (MODIFIERS.has(ev.key) || (ev.code !== undefined && MODIFIERS.has(ev.code))) return { swallow: false };
    const last = this.held.at(-1);
    const release = last && ev.at - last.at > this.options.maxGapMs ? this.take() : [];
    const result = this.step(ev);
    if (release.length > 0) result.release = [...release, ...(result.release ?? [])];
    return result;
  }

  private step(ev: WedgeKeyEvent): WedgeResult {
    if (this.isTerminator(ev)) {
      if (this.overflow) {
        this.take();
        return { swallow: true, dropped: 'tooLong' };
      }
      if (this.held.length > 0 && this.text.length >= this.options.minLength) {
        const scan = this.text;
        this.take();
        return { swallow: true, scan };
      }
      // Too short for a scan: typing. Hold the terminator too so it is re-injected after the keys.
      if (this.held.length > 0) return { swallow: true, release: [...this.take(), ev] };
      return { swallow: false };
    }
    const ch = this.character(ev);
    if (ch === undefined) {
      // Backspace, arrows, Ctrl+something: a person. Let it through after what was held.
      const held = this.take();
      return held.length > 0 ? { swallow: true, release: [...held, ev] } : { swallow: false };
    }
    this.held.push(ev);
    if (this.overflow || this.text.length >= this.options.maxLength) {
      this.overflow = true;
      this.held = this.held.slice(-1);
    } else {
      this.text += ch;
    }
    return { swallow: true, flushAt: ev.at + this.options.maxGapMs };
  }

  /**
   * Call at `flushAt` when no key came: held keys were a person typing and are returned for
   * re-injection (or dropped silently if the burst overflowed).
   */
  flush(now: number): WedgeKeyEvent[] {
    return this.flushResult(now).release;
  }

  /** `flush`, and whether what was held was an overlong burst that got dropped. */
  flushResult(now: number): { release: WedgeKeyEvent[]; dropped?: 'tooLong' } {
    const last = this.held.at(-1);
    if (!last || now - last.at < this.options.maxGapMs) return { release: [] };
    const overflow = this.overflow;
    const release = this.take();
    return overflow ? { release, dropped: 'tooLong' } : { release };
  }

  /** Keys held right now (for tests and diagnostics). */
  get pending(): number {
    return this.held.length;
  }

  private take(): WedgeKeyEvent[] {
    const held = this.overflow ? [] : this.held;
    this.held = [];
    this.text = '';
    this.overflow = false;
    return held;
  }
}

/**
 * A wedge scanner on the scan stream: feed it key events; scans go to the stream, keys that were
 * typing go to `reinject` (after a timer when no further key comes).
 */
export class WedgeScanner {
  readonly decoder: WedgeDecoder;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly stream: ScanStream,
    private readonly reinject: (keys: WedgeKeyEvent[]) => void,
    readonly deviceId = 'wedge',
    options: Partial<WedgeOptions> = {},
  ) {
    this.decoder = new WedgeDecoder(options);
  }

  feed(ev: WedgeKeyEvent): boolean {
    const result = this.decoder.feed(ev);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (result.release) this.reinject(result.release);
    if (result.dropped) this.stream.dropGarbage('wedge', this.deviceId, result.dropped);
    if (result.scan !== undefined) this.stream.emitScan({ code: result.scan, source: 'wedge', deviceId: this.deviceId, at: ev.at });
    if (result.flushAt !== undefined) {
      const flushAt = result.flushAt;
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          const { release, dropped } = this.decoder.flushResult(flushAt);
          if (dropped) this.stream.dropGarbage('wedge', this.deviceId, dropped);
          if (release.length > 0) this.reinject(release);
        },
        Math.max(0, flushAt - ev.at) + 1,
      );
    }
    return result.swallow;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
