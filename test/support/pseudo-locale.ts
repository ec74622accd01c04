// The pseudo-locale (core/i18n/pseudo.ts) in place of English, for layout tests: a renderer build of
// its own for the kiosk screens, and the catalogs of this test process swapped for the hub's pages.
// Neither adds a language: the screens and pages are asked for English and get the pseudo texts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import en from '../../core/i18n/locales/en.json';
import { pseudoCatalog } from '../../core/i18n/pseudo';

/** Where the pseudo renderer is built: beside dist/renderer, never in place of it. */
export const PSEUDO_RENDERER_DIST = resolve('dist/renderer-pseudo');

/** Builds the renderer with `core/i18n/locales/en.json` read as its pseudo-locale. */
export async function buildPseudoRenderer(): Promise<string> {
  const { build } = await import('vite');
  await build({
    configFile: resolve('renderer/vite.config.ts'),
    logLevel: 'error',
    build: { outDir: PSEUDO_RENDERER_DIST, emptyOutDir: true },
    plugins: [
      {
        name: 'pseudo-english',
        enforce: 'pre',
        load(id) {
          if (!id.replace(/\\/g, '/').endsWith('/core/i18n/locales/en.json')) return null;
          return JSON.stringify(pseudoCatalog(JSON.parse(readFileSync(id, 'utf8')) as Record<string, Record<string, string>>));
        },
      },
    ],
  });
  return PSEUDO_RENDERER_DIST;
}

/**
 * Swaps this process's English messages for the pseudo-locale (the hub in a test runs in the test's
 * process and formats its pages from the same catalog objects); the function returned puts English back.
 */
export function usePseudoEnglish(): () => void {
  const areas = en as unknown as Record<string, Record<string, string>>;
  const english = structuredClone(areas);
  const pseudo = pseudoCatalog(english);
  for (const area of Object.keys(areas)) Object.assign(areas[area]!, pseudo[area]);
  return () => {
    for (const area of Object.keys(areas)) Object.assign(areas[area]!, english[area]);
  };
}

/**
 * What is cut off on the page as it is now, one line each: an element that clips its content
 * (overflow hidden or clip) and has more than it shows, text that runs out of its own box or out
 * of the screen sideways, and, with `fixedHeight` (the kiosk: a screen that never scrolls), text
 * below the bottom of the screen that no scrolling area holds. Empty when everything shows.
 */
export function cutOff(page: Page, options: { fixedHeight: boolean }): Promise<string[]> {
  return page.evaluate(({ fixedHeight }) => {
    const found: string[] = [];
    const name = (el: Element): string => {
      const id = el.id ? `#${el.id}` : '';
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 50);
      return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
    };
    const scrolls = (el: Element): boolean => {
      for (let a = el.parentElement; a; a = a.parentElement) {
        const s = getComputedStyle(a);
        if (['auto', 'scroll'].includes(s.overflowY) && a.scrollHeight > a.clientHeight) return true;
      }
      return false;
    };
    const clips = (value: string): boolean => value === 'hidden' || value === 'clip';
    for (const el of document.querySelectorAll('body, body *')) {
      const s = getComputedStyle(el);
      if (s.display === 'none' || s.visibility === 'hidden' || el.closest('[hidden], svg, script, style')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // The screen itself (body, #root) clips too: a box larger than them is content out of sight.
      if (clips(s.overflowX) && el.scrollWidth > el.clientWidth + 1) found.push(`${name(el)}: ${el.scrollWidth - el.clientWidth}px cut off at the side`);
      if (clips(s.overflowY) && el.scrollHeight > el.clientHeight + 1) found.push(`${name(el)}: ${el.scrollHeight - el.clientHeight}px cut off at the bottom`);
      const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      if (!ownText) continue;
      if (!s.display.startsWith('inline') && !clips(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
        found.push(`${name(el)}: text ${el.scrollWidth - el.clientWidth}px wider than its box`);
      if (r.right > window.innerWidth + 1 || r.left < -1) found.push(`${name(el)}: off the screen sideways`);
      if (fixedHeight && r.bottom > window.innerHeight + 1 && !scrolls(el)) found.push(`${name(el)}: below the screen`);
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      found.push(`the page is ${document.documentElement.scrollWidth - window.innerWidth}px wider than the screen`);
    return found;
  }, options);
}
