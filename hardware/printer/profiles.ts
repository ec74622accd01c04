import { z } from 'zod';

/**
 * What the kiosk must know about a printer model. Code-page NUMBERS are not portable: Epson selects a
 * table with `ESC t n` (PC852 = 18, PC858 = 19, WPC1250 = 45), Star mode with its own `ESC GS t n`
 * (PC858 = 4, PC852 = 5, Windows-1250 = 33), and clone printers number their tables differently
 * from one batch to the next, so a shop can set the numbers its printer uses (`codePageNumbers`,
 * found with the printed code-page test page, `main/pos/printer-setup-cli.ts`).
 */
export const CODE_PAGES = ['cp437', 'cp850', 'cp852', 'cp858', 'windows1250', 'windows1252'] as const;
export type CodePage = (typeof CODE_PAGES)[number];
/**
 * `epson`: ESC/POS (Epson, the clones, and Star printers switched to their ESC/POS emulation).
 * `star`: Star mode, whose commands differ (ESC GS t for the code page, ESC d for the cut, ESC a is
 * a feed). The kiosk writes Star mode only as Star Graphic mode raster images, to the raster-only
 * models (`rasterOnly`); the decoder reads Star Line mode's code-page command in till receipts. A
 * Star printer with fonts is used in its ESC/POS emulation (`star-escpos`).
 */
export type CommandSet = 'epson' | 'star';

/** Code page → table number, per command set. */
export const CODE_PAGE_NUMBERS: Record<CommandSet, Partial<Record<CodePage, number>>> = {
  epson: { cp437: 0, cp850: 2, windows1252: 16, cp852: 18, cp858: 19, windows1250: 45 },
  star: { cp437: 1, cp858: 4, cp852: 5, windows1252: 32, windows1250: 33 },
};

export interface PrinterProfile {
  id: string;
  vendor: string;
  model: string;
  commandSet: CommandSet;
  /** Paper widths the model takes, with characters per line in font A. */
  columns: { 58?: number; 80?: number };
  /** Dots per line for raster images. */
  dots: { 58?: number; 80?: number };
  /** Prints QR codes itself (`GS ( k`); otherwise the QR is sent as a raster image (`GS v 0`). */
  nativeQr: boolean;
  /** The page all text is printed in. */
  codePage: CodePage;
  /**
   * Pages switched to for single characters the main page lacks (per-character switch). A CP852
   * printer gets CP858 here so "€" prints as € and the Polish/Czech letters around it stay right.
   */
  extraPages: CodePage[];
  /** Starts in a Chinese double-byte mode: `FS .` must follow every `ESC @`. */
  cancelKanji: boolean;
  /** Answers real-time status requests (`DLE EOT n`). */
  realtimeStatus: boolean;
  /** Usual serial speed, for the transmit-time estimate. */
  defaultBaud: number;
  /**
   * Prints Star raster images only (Star TSP100/TSP143 futurePRNT): no text, code-page, QR or
   * ESC/POS cut commands. The kiosk draws its slips and the passthrough's block as images
   * (`star-raster.ts`); the code-page fields are unused.
   */
  rasterOnly?: boolean;
}

export const PRINTER_PROFILES: Readonly<Record<string, PrinterProfile>> = {
  'epson-tm-t20': {
    id: 'epson-tm-t20',
    vendor: 'Epson',
    model: 'TM-T20II/III',
    commandSet: 'epson',
    columns: { 58: 32, 80: 48 },
    dots: { 58: 384, 80: 576 },
    nativeQr: true,
    codePage: 'cp852',
    extraPages: ['cp858'],
    cancelKanji: false,
    realtimeStatus: true,
    defaultBaud: 38400,
  },
  'epson-tm-t88': {
    id: 'epson-tm-t88',
    vendor: 'Epson',
    model: 'TM-T88V/VI',
    commandSet: 'epson',
    columns: { 58: 32, 80: 48 },
    dots: { 58: 384, 80: 576 },
    nativeQr: true,
    codePage: 'windows1250',
    extraPages: [],
    cancelKanji: false,
    realtimeStatus: true,
    defaultBaud: 38400,
  },
  'star-tsp100': {
    id: 'star-tsp100',
    vendor: 'Star',
    model: 'TSP100/TSP143 (futurePRNT), TSP100III/IV: raster only',
    commandSet: 'star',
    columns: { 80: 48 },
    dots: { 80: 576 },
    nativeQr: false,
    codePage: 'windows1250',
    extraPages: [],
    cancelKanji: false,
    realtimeStatus: false,
    defaultBaud: 38400,
    rasterOnly: true,
  },
  'star-escpos': {
    id: 'star-escpos',
    vendor: 'Star',
    model: 'mC-Print3, TSP650II, TSP700II, TSP800II switched to ESC/POS emulation',
    commandSet: 'epson',
    columns: { 58: 32, 80: 48 },
    dots: { 58: 384, 80: 576 },
    nativeQr: true,
    codePage: 'cp852',
    extraPages: ['cp858'],
    cancelKanji: false,
    realtimeStatus: true,
    defaultBaud: 38400,
  },
  'clone-58': {
    id: 'clone-58',
    vendor: 'Generic',
    model: '58 mm clone (POS-58, XP-58 class)',
    commandSet: 'epson',
    columns: { 58: 32 },
    dots: { 58: 384 },
    nativeQr: false,
    codePage: 'cp852',
    extraPages: ['cp858'],
    cancelKanji: true,
    realtimeStatus: true,
    defaultBaud: 9600,
  },
  'clone-80': {
    id: 'clone-80',
    vendor: 'Generic',
    model: '80 mm clone (XP-80, POS-80 class)',
    commandSet: 'epson',
    columns: { 58: 32, 80: 48 },
    dots: { 58: 384, 80: 576 },
    nativeQr: true,
    codePage: 'cp852',
    extraPages: ['cp858'],
    cancelKanji: true,
    realtimeStatus: true,
    defaultBaud: 38400,
  },
};

export const paperSchema = z.union([z.literal(58), z.literal(80)]);
export type Paper = z.infer<typeof paperSchema>;

/** Overrides a shop may set in its printer config on top of the model's profile. */
export const profileOverridesSchema = z
  .object({
    nativeQr: z.boolean().optional(),
    codePage: z.enum(CODE_PAGES).optional(),
    extraPages: z.array(z.enum(CODE_PAGES)).optional(),
    /**
     * Which table number selects which page on this printer (clone batches differ), e.g.
     * `{ "cp852": 46 }`; merged over the command set's usual numbers.
     */
    codePageNumbers: z
      .partialRecord(z.enum(CODE_PAGES), z.number().int().min(0, { error: 'a table number is 0-255' }).max(255, { error: 'a table number is 0-255' }))
      .optional(),
    cancelKanji: z.boolean().optional(),
    realtimeStatus: z.boolean().optional(),
    columns: z.number().int().min(24).max(64).optional(),
  })
  .strict();
export type ProfileOverrides = z.infer<typeof profileOverridesSchema>;

/** A profile fitted to one paper width, ready for the encoder. */
export interface ResolvedProfile extends PrinterProfile {
  paper: Paper;
  lineColumns: number;
  lineDots: number;
  /** Code page → the table number this printer selects it with. */
  pageNumbers: Partial<Record<CodePage, number>>;
}

export function resolveProfile(id: string, paper: Paper, overrides: ProfileOverrides = {}): ResolvedProfile {
  const base = PRINTER_PROFILES[id];
  if (!base) throw new Error(`unknown printer model "${id}": use one of ${Object.keys(PRINTER_PROFILES).join(', ')}`);
  const columns = overrides.columns ?? base.columns[paper];
  const dots = base.dots[paper];
  if (columns === undefined || dots === undefined) throw new Error(`printer model "${id}" does not take ${paper} mm paper`);
  // A raster-only printer gets 12-dot character cells drawn by the kiosk: no more than fit the paper.
  if (base.rasterOnly && columns * 12 > dots) throw new Error(`printer model "${id}" fits at most ${dots / 12} columns on ${paper} mm paper`);
  const { columns: _c, codePageNumbers, ...rest } = overrides;
  const merged = { ...base, ...rest } as PrinterProfile;
  const pageNumbers = { ...CODE_PAGE_NUMBERS[merged.commandSet], ...codePageNumbers };
  for (const page of [merged.codePage, ...merged.extraPages]) {
    if (pageNumbers[page] === undefined)
      throw new Error(`printer model "${id}" (${merged.commandSet}) has no table number for ${page}: set overrides.codePageNumbers.${page}`);
  }
  return { ...merged, paper, lineColumns: columns, lineDots: dots, pageNumbers };
}
