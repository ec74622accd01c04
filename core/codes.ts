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

/**
 * Check letter over a safe-letter string: ISO/IEC 7064 hybrid MOD 17,16, the standard pure system
 * for radix 16. It catches every single-letter misread and almost every swap of two neighbouring
 * letters.
 */
export function safeCheckLetter(text: string): string | undefined {
  let p = 16;
  for (const ch of text) {
    const value = valueOf.get(ch);
    if (value === undefined) return undefined;
    let s = (p + value) % 16;
    if (s === 0) s = 16;
    p = (2 * s) % 17;
  }
  // The check value c makes (p + c) mod 16 == 1.
  return LAYOUT_SAFE_ALPHABET[(17 - p) % 16]!;
}

/**
 * What a staff-scanned code is, told by its first letter. Every kind is written in layout-safe
 * letters: kind letter, payload as letter pairs, one check letter over everything before it.
 *  - member:  `M` + 10 letters (5 bytes: the member number) + check = 12 letters
 *  - voucher: `R` + 16..512 letters (the hub-signed voucher bytes) + check
 *  - claim:   `C` + 16..512 letters (the kiosk-signed claim token bytes) + check
 */
export const CODE_KINDS = { member: 'M', voucher: 'R', claim: 'C' } as const;
export type CodeKind = keyof typeof CODE_KINDS;
export const MEMBER_PAYLOAD_BYTES = 5;
export const TOKEN_PAYLOAD_BYTES = { min: 8, max: 256 } as const;

const kindOfLetter = new Map<string, CodeKind>(Object.entries(CODE_KINDS).map(([kind, letter]) => [letter, kind as CodeKind]));

/** Writes `payload` as a scannable code of `kind` (with its check letter). */
export function encodeSafeCode(kind: CodeKind, payload: Uint8Array): string {
  const body = CODE_KINDS[kind] + bytesToSafeLetters(payload);
  return body + safeCheckLetter(body)!;
}

/** A member code for a member number (0 .. 2^40-1), e.g. `MAAAAAAAAAB` + check. */
export function memberCodeFor(memberNumber: number): string {
  if (!Number.isSafeInteger(memberNumber) || memberNumber < 0 || memberNumber >= 2 ** 40) {
    throw new RangeError(`member number out of range: ${memberNumber}`);
  }
  const bytes = new Uint8Array(MEMBER_PAYLOAD_BYTES);
  let rest = memberNumber;
  for (let i = MEMBER_PAYLOAD_BYTES - 1; i >= 0; i--) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return encodeSafeCode('member', bytes);
}

export function memberNumberOf(payload: Uint8Array): number {
  return payload.reduce((n, byte) => n * 256 + byte, 0);
}

export type SafeCodeDecode =
  { ok: true; kind: CodeKind; payload: Uint8Array; code: string } | { ok: false; reason: 'notSafeLetters' | 'unknownKind' | 'badLength' | 'badCheck' };

/**
 * Reads a safe-letter code by shape only (signatures are verified elsewhere). Lower case is
 * accepted, because a wedge scanner with Caps Lock on types it so.
 */
export function decodeSafeCode(text: string): SafeCodeDecode {
  const code = text.toUpperCase();
  if (code.length < 4 || !isLayoutSafe(code)) return { ok: false, reason: 'notSafeLetters' };
  const kind = kindOfLetter.get(code[0]!);
  if (kind === undefined) return { ok: false, reason: 'unknownKind' };
  const letters = code.length - 2;
  const bytes = letters / 2;
  const lengthOk =
    kind === 'member' ? bytes === MEMBER_PAYLOAD_BYTES : letters % 2 === 0 && bytes >= TOKEN_PAYLOAD_BYTES.min && bytes <= TOKEN_PAYLOAD_BYTES.max;
  if (!lengthOk) return { ok: false, reason: 'badLength' };
  const body = code.slice(0, -1);
  if (safeCheckLetter(body) !== code[code.length - 1]) return { ok: false, reason: 'badCheck' };
  return { ok: true, kind, payload: safeLettersToBytes(body.slice(1))!, code };
}
