import { commandAt, MAX_NUL_LIST } from './escpos-boundaries';

/**
 * The printer state a till's ESC/POS stream leaves behind, followed command by command while the
 * passthrough forwards it, so that the loyalty block can print with its own settings and the
 * printer is then put back exactly as the till left it, without `ESC @` (which would also throw
 * away the code page a till selects only once, at start-up).
 *
 * Tracked: code page (`ESC t n`, Star `ESC GS t n`), international set (`ESC R n`), alignment
 * (`ESC a n`), emphasis (`ESC E n`), underline (`ESC - n`), font and print mode (`ESC !`, `ESC M`),
 * character size (`GS ! n`), Kanji mode (`FS &`, `FS .`), and the paper fed since the last text.
 */
export interface TillPrinterState {
  /** The table the till selected; undefined: none since power-on or `ESC @` (the printer's default). */
  codePage: { commandSet: 'epson' | 'star'; n: number } | undefined;
  international: number;
  align: number;
  emphasis: boolean;
  /** 0 off, 1 thin, 2 thick. */
  underline: number;
  font: number;
  /** Magnification 1..8. */
  width: number;
  height: number;
  /** undefined: the till never switched it (clone printers differ in what they start with). */
  kanji: boolean | undefined;
}

export const DEFAULT_TILL_STATE: Readonly<TillPrinterState> = Object.freeze({
  codePage: undefined,
  international: 0,
  align: 0,
  emphasis: false,
  underline: 0,
  font: 0,
  width: 1,
  height: 1,
  kanji: undefined,
});

const ESC = 0x1b,
  GS = 0x1d,
  FS = 0x1c,
  DLE = 0x10,
  LF = 0x0a;

/** Lines a printer's cutter sits above the print head, roughly (Epson TM-T20/T88 and the clones: 3–5). */
export const MIN_FEED_BEFORE_CUT = 4;
/** Motion units of one line at the default line spacing (1/6 inch at 180 dpi). */
const UNITS_PER_LINE = 30;

export interface FeedResult {
  /** Real-time status requests (`DLE EOT n`) in these bytes: the printer answers each with one byte. */
  statusRequests: number;
  /** The bytes hold more than real-time requests (a document has started). */
  content: boolean;
}

export class EscPosStateTracker {
  private current: TillPrinterState = { ...DEFAULT_TILL_STATE };
  private pending: Uint8Array = new Uint8Array(0);
  private skip = 0;
  private untilNul = 0;
  private lineHasText = false;
  private fed = 0;

  get state(): Readonly<TillPrinterState> {
    return this.current;
  }

  /** Lines fed since the last printed text (the till's feed before its cut). */
  get feedSinceText(): number {
    return this.fed;
  }

  /** Follows a chunk of the till's stream; a command split across chunks is completed by the next. */
  feed(chunk: Uint8Array): FeedResult {
    let b = chunk;
    if (this.pending.length > 0) {
      b = new Uint8Array(this.pending.length + chunk.length);
      b.set(this.pending);
      b.set(chunk, this.pending.length);
      this.pending = new Uint8Array(0);
    }
    const result: FeedResult = { statusRequests: 0, content: false };
    let i = 0;
    while (i < b.length) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, b.length - i);
        this.skip -= take;
        i += take;
        result.content = true;
        continue;
      }
      if (this.untilNul > 0) {
        const end = Math.min(b.length, i + this.untilNul);
        const nul = b.subarray(i, end).indexOf(0);
        result.content = true;
        if (nul >= 0) {
          this.untilNul = 0;
          i += nul + 1;
        } else {
          this.untilNul -= end - i;
          i = end;
        }
        continue;
      }
      const command = commandAt(b, i);
      if (command.kind === 'incomplete') {
        this.pending = b.slice(i);
        break;
      }
      if (b[i] === DLE) {
        if (b[i + 1] === 0x04) result.statusRequests++;
      } else {
        result.content = true;
      }
      if (command.kind === 'plain' || command.kind === 'cut') this.apply(b, i, command.length);
      else if (command.kind === 'block') {
        this.skip = command.data;
        this.printed();
      } else if (command.kind === 'untilNul') {
        this.untilNul = MAX_NUL_LIST;
        this.printed();
      }
      i += command.length;
    }
    return result;
  }

  /** The till's cut: the next receipt starts with nothing fed. */
  cut(): void {
    this.fed = 0;
    this.lineHasText = false;
  }

  /** A new connection from the till: the printer keeps its state, but no command is half-read any more. */
  resetStream(): void {
    this.pending = new Uint8Array(0);
    this.skip = 0;
    this.untilNul = 0;
  }

  private printed(): void {
    this.lineHasText = true;
    this.fed = 0;
  }

  private apply(b: Uint8Array, i: number, length: number): void {
    const c = b[i]!;
    const s = this.current;
    const n = b[i + 2] ?? 0;
    if (length === 1) {
      if (c === LF) {
        if (this.lineHasText) this.lineHasText = false;
        else this.fed++;
      } else if (c >= 0x20) this.printed();
      return;
    }
    if (c === ESC) {
      switch (b[i + 1] ?? 0) {
        case 0x40: // ESC @
          this.current = { ...DEFAULT_TILL_STATE, kanji: s.kanji };
          return;
        case 0x74: // ESC t n
          s.codePage = { commandSet: 'epson', n };
          return;
        case 0x1d: // Star ESC GS t n
          if (b[i + 2] === 0x74) s.codePage = { commandSet: 'star', n: b[i + 3] ?? 0 };
          return;
        case 0x52: // ESC R n
          s.international = n;
          return;
        case 0x61: // ESC a n (0/48 left, 1/49 centre, 2/50 right)
          s.align = n & 0x03;
          return;
        case 0x45: // ESC E n
          s.emphasis = (n & 1) === 1;
          return;
        case 0x2d: // ESC - n (0/48, 1/49, 2/50)
          s.underline = n & 0x03;
          return;
        case 0x4d: // ESC M n
          s.font = n & 0x01;
          return;
        case 0x21: // ESC ! n: font, emphasis, double height, double width, underline at once
          s.font = n & 0x01;
          s.emphasis = (n & 0x08) !== 0;
          s.height = n & 0x10 ? 2 : 1;
          s.width = n & 0x20 ? 2 : 1;
          s.underline = n & 0x80 ? 1 : 0;
          return;
        case 0x64: // ESC d n: print and feed n lines
          this.fed += n;
          this.lineHasText = false;
          return;
        case 0x4a: // ESC J n: print and feed n motion units
          this.fed += Math.ceil(n / UNITS_PER_LINE);
          this.lineHasText = false;
          return;
        default:
          return;
      }
    }
    if (c === GS && b[i + 1] === 0x21) {
      s.width = ((n >> 4) & 0x07) + 1;
      s.height = (n & 0x07) + 1;
      return;
    }
    if (c === FS && b[i + 1] === 0x26) s.kanji = true;
    if (c === FS && b[i + 1] === 0x2e) s.kanji = false;
  }
}

/**
 * Bytes that put the printer back into `state`, in an order where each later command wins over the
 * earlier ones (`ESC !` first: it also sets emphasis, size and underline). Never `ESC @`.
 */
export function restoreTillState(state: Readonly<TillPrinterState>): number[] {
  const out: number[] = [];
  if (state.kanji !== undefined) out.push(FS, state.kanji ? 0x26 : 0x2e);
  const page = state.codePage;
  // No page selected by the till: the printer's power-on table, 0 on Epson and on the clones.
  if (page?.commandSet === 'star') out.push(ESC, GS, 0x74, page.n);
  else out.push(ESC, 0x74, page?.n ?? 0);
  out.push(ESC, 0x52, state.international);
  out.push(ESC, 0x21, state.font);
  out.push(ESC, 0x45, state.emphasis ? 1 : 0);
  out.push(ESC, 0x2d, state.underline);
  out.push(GS, 0x21, ((state.width - 1) << 4) | (state.height - 1));
  out.push(ESC, 0x61, state.align);
  return out;
}

/** The cut feeds the paper to the cutter itself (`GS V 65/66/97/98/103/104 n`). */
export function cutFeedsItself(cut: Uint8Array): boolean {
  return cut[0] === GS && cut[1] === 0x56 && [0x41, 0x42, 0x61, 0x62, 0x67, 0x68].includes(cut[2] ?? -1);
}

/**
 * What follows the loyalty block, before the till's cut: the feed that carries the block's last
 * lines past the cutter (the till's own feed was spent above the block; a cut that feeds by itself
 * needs none), then the till's state restored.
 */
export function afterBlock(tracker: EscPosStateTracker, cut: Uint8Array): number[] {
  const lines = cutFeedsItself(cut) ? 0 : Math.min(255, Math.max(tracker.feedSinceText, MIN_FEED_BEFORE_CUT));
  return [...(lines > 0 ? [ESC, 0x64, lines] : []), ...restoreTillState(tracker.state)];
}

/** `bytes` without any `ESC @` command (the block must not reset the till's printer). */
export function withoutInitialize(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const command = commandAt(bytes, i);
    if (command.kind === 'incomplete') {
      for (; i < bytes.length; i++) out.push(bytes[i]!);
      break;
    }
    let length = command.length;
    if (command.kind === 'block') length += command.data;
    if (command.kind === 'untilNul') {
      const nul = bytes.subarray(i + length).indexOf(0);
      length = nul >= 0 ? length + nul + 1 : bytes.length - i;
    }
    const isInit = bytes[i] === ESC && bytes[i + 1] === 0x40 && command.length === 2;
    if (!isInit) for (let k = i; k < Math.min(bytes.length, i + length); k++) out.push(bytes[k]!);
    i += length;
  }
  return Uint8Array.from(out);
}
