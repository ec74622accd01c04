import { createHash } from 'node:crypto';

/**
 * The hub pages' scripts and style sheets, served as files from this hub (GET /assets/<name>,
 * cloud/routes/assets.ts) so that the pages' CSP needs no 'unsafe-inline': an injected inline
 * script or style never runs. A page module registers its text once, at load, and links the URL it
 * gets back; the URL carries a hash of the text, so a browser may keep a file for a day and still
 * never runs an old one after an update.
 */

const TYPES = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' } as const;
const assets = new Map<string, { type: string; body: string }>();

/** Registers `text` as /assets/<name> (name ending .css or .js) and returns its URL with the content hash. */
export function asset(name: string, text: string): string {
  const kind = /\.(css|js)$/.exec(name)?.[1] as keyof typeof TYPES | undefined;
  if (!kind || !/^[a-z0-9-]+\.(css|js)$/.test(name)) throw new Error(`asset name ${name}: lower-case letters, digits and dashes, ending .css or .js`);
  const known = assets.get(name);
  if (known && known.body !== text) throw new Error(`asset ${name} registered twice with different text`);
  assets.set(name, { type: TYPES[kind], body: text });
  return `/assets/${name}?v=${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/** The registered file of that name, or undefined. */
export function assetFile(name: string): { type: string; body: string } | undefined {
  return assets.get(name);
}
