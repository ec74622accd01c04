/**
 * Codes that staff scan with a keyboard-wedge scanner must come out the same under every keyboard
 * layout the shops use. German and Hungarian QWERTZ swap Y and Z; the Czech and Slovak number rows
 * type accented letters unshifted; Hungarian puts ö where 0 is; punctuation moves everywhere.
 * Capital letters other than Y and Z are the only keys that agree on all of them, so member and
 * voucher codes are written with these 16 letters (I and O left out: they read as 1 and 0).
 */
export const LAYOUT_SAFE_ALPHABET = 'ABCDEFGHJKLMNPQR';

const valueOf = new Map([...LAYOUT_SAFE_ALPHABET].map((ch, i) => [ch, i]));

/** Two layout-safe letters per byte (a hexadecimal written with letters). */
export function bytesToSafeLetters(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += LAYOUT_SAFE_ALPHABET[byte >> 4]! + LAYOUT_SAFE_ALPHABET[byte & 0x0f]!;
  return out;
}

/** Inverse of bytesToSafeLetters; undefined for anything that is not a whole number of valid pairs. */
export function safeLettersToBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const high = valueOf.get(text[2 * i]!);
    const low = valueOf.get(text[2 * i + 1]!);
    if (high === undefined || low === undefined) return undefined;
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

export function isLayoutSafe(text: string): boolean {
  return [...text].every((ch) => valueOf.has(ch));
}
