/**
 * A pseudo-locale for layout tests: every English message made about 40 % longer, its letters
 * accented and the whole message in brackets ("Save" → "[Šàààvé]"), so a screen run in it shows at
 * a glance a text cut off (a missing bracket), a font without the accents, or a sentence built in
 * code instead of the catalog (plain ASCII). German and Hungarian run that much longer than English.
 *
 * It is a test tool, not a language: it is not in `LOCALES`, no shop, kiosk or browser can pick it.
 * The tests swap it in for English (test/support/pseudo-locale.ts).
 */

const ACCENTED: Record<string, string> = {
  a: 'à',
  b: 'ƀ',
  c: 'ç',
  d: 'ď',
  e: 'é',
  f: 'ƒ',
  g: 'ĝ',
  h: 'ĥ',
  i: 'î',
  j: 'ĵ',
  k: 'ķ',
  l: 'ľ',
  m: 'ɱ',
  n: 'ñ',
  o: 'ö',
  p: 'þ',
  q: 'ʠ',
  r: 'ŕ',
  s: 'š',
  t: 'ţ',
  u: 'û',
  v: 'ṽ',
  w: 'ŵ',
  x: 'ẋ',
  y: 'ý',
  z: 'ž',
  A: 'Å',
  B: 'Ɓ',
  C: 'Ç',
  D: 'Đ',
  E: 'É',
  F: 'Ƒ',
  G: 'Ĝ',
  H: 'Ĥ',
  I: 'Î',
  J: 'Ĵ',
  K: 'Ķ',
  L: 'Ľ',
  M: 'Ṁ',
  N: 'Ñ',
  O: 'Ö',
  P: 'Þ',
  Q: 'Ǫ',
  R: 'Ŕ',
  S: 'Š',
  T: 'Ţ',
  U: 'Û',
  V: 'Ṽ',
  W: 'Ŵ',
  X: 'Ẋ',
  Y: 'Ý',
  Z: 'Ž',
};

/** How much longer a word gets: 40 %, rounded up, so even a two-letter word grows. */
const GROWTH = 0.4;

/** One word (letters only) accented and lengthened by repeating its vowels (or its last letter). */
function pseudoWord(word: string): string {
  const extra = Math.ceil(word.length * GROWTH);
  const vowels = [...word].filter((ch) => 'aeiouyAEIOUY'.includes(ch));
  const repeat = vowels.length > 0 ? vowels : [word[word.length - 1]!];
  let padding = '';
  for (let i = 0; i < extra; i++) padding += repeat[i % repeat.length]!.toLowerCase();
  return [...(word + padding)].map((ch) => ACCENTED[ch] ?? ch).join('');
}

/** Plain text of a message (no ICU syntax in it): its ASCII words made pseudo, the rest kept. */
function pseudoText(text: string): string {
  return text.replace(/[A-Za-z]+/g, pseudoWord);
}

/**
 * Walks an ICU MessageFormat string and makes only its literal text pseudo: argument names, types,
 * styles and plural/select keys stay as they are, the branches of a plural or select are walked in
 * turn, `#` and quoted text ('{shop}') are kept. Returns the index after what it read.
 */
function walk(source: string, start: number, insideBranch: boolean, out: string[]): number {
  let i = start;
  let text = '';
  const flush = (): void => {
    out.push(pseudoText(text));
    text = '';
  };
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "'" && (source[i + 1] === '{' || source[i + 1] === '}' || source[i + 1] === '#')) {
      // A quoted literal runs to the next apostrophe and is copied unchanged (a placeholder shown as text).
      const end = source.indexOf("'", i + 1);
      const stop = end === -1 ? source.length : end + 1;
      flush();
      out.push(source.slice(i, stop));
      i = stop;
    } else if (ch === '{') {
      flush();
      i = argument(source, i, out);
    } else if (ch === '}' && insideBranch) {
      flush();
      return i;
    } else if (ch === '#' && insideBranch) {
      flush();
      out.push('#');
      i++;
    } else {
      text += ch;
      i++;
    }
  }
  flush();
  return i;
}

/** One `{…}` argument from `source[start]`; plural and select branches are walked, the rest copied. */
function argument(source: string, start: number, out: string[]): number {
  const head = /^\{\s*([^\s,{}]+)\s*(?:,\s*(plural|select|selectordinal)\s*,)?/.exec(source.slice(start));
  if (!head?.[2]) {
    // A simple placeholder, number, date or time: copy up to its matching brace.
    let depth = 0;
    for (let i = start; i < source.length; i++) {
      if (source[i] === '{') depth++;
      if (source[i] === '}' && --depth === 0) {
        out.push(source.slice(start, i + 1));
        return i + 1;
      }
    }
    throw new Error(`pseudo-locale: unclosed argument in "${source}"`);
  }
  out.push(head[0]);
  let i = start + head[0].length;
  // Branch keys ("one", "=0", "offset:1", "other") up to each "{"; each branch body is a message.
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '}') {
      out.push('}');
      return i + 1;
    }
    if (ch === '{') {
      out.push('{');
      i = walk(source, i + 1, true, out);
      out.push('}');
      i++;
    } else {
      out.push(ch);
      i++;
    }
  }
  throw new Error(`pseudo-locale: unclosed ${head[2]} in "${source}"`);
}

/** One ICU message in the pseudo-locale: its literal text accented, ~40 % longer, in brackets. */
export function pseudoMessage(source: string): string {
  const out: string[] = [];
  walk(source, 0, false, out);
  return `[${out.join('')}]`;
}

/** A whole catalog file (areas of messages, as `core/i18n/locales/en.json`) in the pseudo-locale. */
export function pseudoCatalog<T extends Record<string, Record<string, string>>>(areas: T): T {
  const result: Record<string, Record<string, string>> = {};
  for (const [area, messages] of Object.entries(areas)) {
    result[area] = Object.fromEntries(Object.entries(messages).map(([key, text]) => [key, pseudoMessage(text)]));
  }
  return result as T;
}
