/**
 * Pure helpers of the hub's sessions and owner accounts: the text formats of what is stored or sent
 * (password hash records, API keys, session cookies) and the device summary a member's card shows.
 * No randomness and no clock here: the hub (cloud/member-sessions.ts, cloud/owner-accounts.ts) passes
 * random bytes and times in.
 */

/** scrypt's cost parameters, kept with every hash so that raising them later leaves old hashes readable. */
export interface ScryptParams {
  /** CPU/memory cost (a power of two). */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/**
 * OWASP's password storage cheat sheet lists N=2^15, r=8, p=3 among its scrypt settings of equal
 * strength (32 MiB of memory per hash); a hash records its own parameters, so these may rise later.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };

export interface PasswordRecord {
  params: ScryptParams;
  salt: string;
  hash: string;
}

/** `scrypt$N=32768,r=8,p=3$<salt base64url>$<hash base64url>` */
export function formatPasswordRecord(record: PasswordRecord): string {
  const { N, r, p } = record.params;
  return `scrypt$N=${N},r=${r},p=${p}$${record.salt}$${record.hash}`;
}

export function parsePasswordRecord(text: string): PasswordRecord | undefined {
  const match = /^scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/.exec(text);
  if (!match) return undefined;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Only a power of two is a valid N; refusing anything else keeps a tampered row from asking for absurd work.
  if (N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20 || r < 1 || p < 1) return undefined;
  return { params: { N, r, p }, salt: match[4]!, hash: match[5]! };
}

/** Why a new owner password is refused (English, for the log; the page has its own words), or undefined. */
export function passwordWeakness(password: string, name: string): 'too-short' | 'too-long' | 'same-as-name' | undefined {
  if (password.length < 12) return 'too-short';
  if (password.length > 256) return 'too-long';
  if (password.toLowerCase() === name.toLowerCase()) return 'same-as-name';
  return undefined;
}

/** The longest name an API key may have (the accounts page's field says the same). */
export const API_KEY_NAME_MAX = 80;

/**
 * An API key's name as the owner typed it, trimmed, or why it is refused: the name is how the
 * accounts page shows the key (its id never is), so a key needs one that fits the page.
 */
export function apiKeyName(text: string): { ok: true; name: string } | { ok: false; problem: 'key-name-empty' | 'key-name-too-long' } {
  const name = text.trim();
  if (name === '') return { ok: false, problem: 'key-name-empty' };
  if (name.length > API_KEY_NAME_MAX) return { ok: false, problem: 'key-name-too-long' };
  return { ok: true, name };
}

/** An owner account's sign-in name: an e-mail or a plain name, compared case-insensitively. */
export function normaliseAccountName(text: string): string | undefined {
  const name = text.trim().toLowerCase();
  return /^[\p{L}\p{N}._@+-]{2,100}$/u.test(name) ? name : undefined;
}

/**
 * API keys are `lko_<id>_<secret>`: the id (12 hex) finds the row, the secret (43 base64url
 * characters, 32 bytes) is compared with its stored hash. The id is not secret; the list shows it.
 */
export function formatApiKey(id: string, secret: string): string {
  return `lko_${id}_${secret}`;
}

export function parseApiKey(text: string): { id: string; secret: string } | undefined {
  const match = /^lko_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(text);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** Session cookies: `<prefix>.<43 base64url characters>` (32 random bytes); anything else is not a session. */
export function parseSessionCookie(prefix: 's1' | 'o2', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = new RegExp(`^${prefix}\\.([A-Za-z0-9_-]{43})$`).exec(value);
  return match ? match[1] : undefined;
}

const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/EdgA?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/CriOS\/|Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'Mac'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/**
 * "Chrome, Android" from a User-Agent header: enough for a member to tell their phones apart, and no
 * more (no versions, no model), so the stored row says little about the person. Undefined when
 * neither part is recognised.
 */
export function deviceSummary(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (!browser && !system) return undefined;
  return [browser, system].filter(Boolean).join(', ');
}
