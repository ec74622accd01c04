/**
 * Real-time status (`DLE EOT n`, n = 1..4). Every answer byte has bit 1 and bit 4 set and bits 0
 * and 7 clear; anything else is nonsense (a wrong model, line noise) and is reported as such.
 */
export const STATUS_REQUESTS = [1, 2, 3, 4] as const;

export interface StatusFlags {
  offline: boolean;
  coverOpen: boolean;
  paperOut: boolean;
  paperLow: boolean;
  error: boolean;
}

export function isValidStatusByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}

/** Combines the four answers (in request order 1..4); undefined when any answer is nonsense. */
export function parseStatus(answers: readonly number[]): StatusFlags | undefined {
  if (answers.length !== 4 || !answers.every(isValidStatusByte)) return undefined;
  const [printer, offlineCause, errorCause, paper] = answers as [number, number, number, number];
  return {
    offline: (printer & 0x08) !== 0,
    coverOpen: (offlineCause & 0x04) !== 0,
    paperOut: (offlineCause & 0x20) !== 0 || (paper & 0x60) === 0x60,
    paperLow: (paper & 0x0c) === 0x0c,
    error: (offlineCause & 0x40) !== 0 || (errorCause & 0x68) !== 0,
  };
}

/** The answer bytes a printer in `flags` gives; the virtual printer uses this. */
export function statusAnswer(n: number, flags: StatusFlags): number {
  switch (n) {
    case 1:
      return 0x12 | (flags.offline || flags.coverOpen || flags.paperOut ? 0x08 : 0);
    case 2:
      return 0x12 | (flags.coverOpen ? 0x04 : 0) | (flags.paperOut ? 0x20 : 0) | (flags.error ? 0x40 : 0);
    case 3:
      return 0x12 | (flags.error ? 0x40 : 0);
    case 4:
      return 0x12 | (flags.paperLow || flags.paperOut ? 0x0c : 0) | (flags.paperOut ? 0x60 : 0);
    default:
      return 0x12;
  }
}
