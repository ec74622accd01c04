// Every back-office page and the phone pages (join form, card, "open my card") in all six languages in
// one run, in Debian Chromium on one in-process hub: no visible text may be an English catalog message
// whose translation in the page's language differs (an untranslated string leaking through), a raw
// message key, or an ICU pattern left unformatted. "Visible text" is each text node of a shown element
// plus the words a page shows outside text nodes (placeholders, button values, titles, alt and
// aria-label). The owner's own texts (the shop's name, the program's reward, card, tier and campaign
// names, member names) are data, not catalog messages, and are left out of the check.
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { allCatalogs } from '../../core/i18n/common';
import { LOCALES, type Locale } from '../../core/i18n/locales';
import type { KioskCredentials } from '../../core/sync-protocol';
import { NOW, WEEK, seedOwnerShop, type OwnerSeed } from '../fixtures/owner-seed';
import { launchChromium, signInAsOwner } from '../support/chromium';
import { saleToken, saveShopSettings, tempDir, testHub } from '../support/hub-harness';

let hub: Hub;
let seed: OwnerSeed;
let remove: () => void;
let browser: Awaited<ReturnType<typeof launchChromium>>;
/** The owner's texts and the seed's names: shown as written in every language. */
let dataTexts: Set<string>;

const ACCEPT_LANGUAGE: Record<Locale, string> = {
  pl: 'pl-PL,pl;q=0.9',
  hu: 'hu-HU,hu;q=0.9',
  sk: 'sk-SK,sk;q=0.9',
  cs: 'cs-CZ,cs;q=0.9',
  de: 'de-DE,de;q=0.9',
  en: 'en-GB,en;q=0.9',
};

type Catalog = Record<Locale, Record<string, string>>;
const catalogs = Object.entries(allCatalogs as unknown as Record<string, Catalog>);

/** The literal text of an ICU message, cut where a placeholder, a number or a tag stands; plural and select branches included. */
function literalParts(message: string): string[] {
  const parts: string[] = [];
  let current = '';
  const cut = (): void => {
    if (current.trim() !== '') parts.push(current.trim());
    current = '';
  };
  const walk = (elements: MessageFormatElement[]): void => {
    for (const element of elements) {
      if (element.type === TYPE.literal) current += element.value;
      else if (element.type === TYPE.plural || element.type === TYPE.select) {
        cut();
        for (const option of Object.values(element.options)) {
          walk(option.value);
          cut();
        }
      } else if (element.type === TYPE.tag) {
        cut();
        walk(element.children);
        cut();
      } else cut();
    }
  };
  walk(parse(message, { ignoreTag: false }));
  cut();
  return parts;
}

const words = (text: string): number => text.split(/\s+/).filter((w) => /\p{L}/u.test(w)).length;

/**
 * What in a page's texts would be English leaking into `locale`: every literal part of an English
 * message whose `locale` message differs, unless that part is in some `locale` message as well (a word
 * both languages share, "E-mail", "PIN"). A text equal to such a part is a leak; so is a text that holds
 * a part of three words or more (a sentence built around a placeholder).
 */
function englishLeaks(locale: Locale): { whole: Map<string, string>; inside: Map<string, string> } {
  const whole = new Map<string, string>();
  const inside = new Map<string, string>();
  if (locale === 'en') return { whole, inside };
  const ownTexts = catalogs.flatMap(([, catalog]) => Object.values(catalog[locale]).flatMap(literalParts)).join('\n');
  for (const [area, catalog] of catalogs)
    for (const [key, english] of Object.entries(catalog.en)) {
      if (catalog[locale][key] === english) continue;
      for (const part of literalParts(english)) {
        if (!/\p{L}{2}/u.test(part) || ownTexts.includes(part)) continue;
        whole.set(part, `${area}.${key}`);
        if (words(part) >= 3) inside.set(part, `${area}.${key}`);
      }
    }
  return { whole, inside };
}

/** Every key of every catalog that cannot be an ordinary word (dotted or camelCase), with and without its area. */
const rawKeys: Set<string> = new Set(
  catalogs.flatMap(([area, catalog]) =>
    Object.keys(catalog.en)
      .filter((key) => /[.A-Z_-]/.test(key))
      .flatMap((key) => [key, `${area}.${key}`]),
  ),
);

/** Runs in the page: the text of each text node of a shown element, and the texts shown outside text nodes. */
function visibleTexts(): string[] {
  const texts: string[] = [];
  const shown = (el: Element): boolean => {
    const style = getComputedStyle(el);
    return style.display !== 'none' && style.visibility !== 'hidden';
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
    if (!parent || text === '' || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(parent.tagName)) continue;
    if (parent.closest('[hidden]') || !shown(parent)) continue;
    texts.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [alt], [aria-label], input[type=submit], input[type=button]')) {
    for (const name of ['placeholder', 'title', 'alt', 'aria-label']) {
      const value = el.getAttribute(name)?.trim();
      if (value) texts.push(value);
    }
    if (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'button') && el.value.trim()) texts.push(el.value.trim());
  }
  texts.push(document.title);
  return texts;
}

/** What is wrong with one page's texts in `locale`, each finding naming the page, the text and the message it matched. */
function textFindings(locale: Locale, path: string, texts: readonly string[]): string[] {
  const { whole, inside } = englishLeaks(locale);
  const found = new Set<string>();
  for (const text of texts) {
    if (dataTexts.has(text)) continue;
    const same = whole.get(text);
    if (same) found.add(`${locale} ${path}: English ${JSON.stringify(text)} (${same})`);
    else
      for (const [part, key] of inside)
        if (text.includes(part) && ![...dataTexts].some((data) => data.includes(part)))
          found.add(`${locale} ${path}: English ${JSON.stringify(part)} in ${JSON.stringify(text)} (${key})`);
    for (const word of text.split(/[\s,;:()"]+/))
      if (rawKeys.has(word)) found.add(`${locale} ${path}: raw key ${JSON.stringify(word)} in ${JSON.stringify(text)}`);
    // A bare "{shop}" is shown on purpose where the owner edits message texts; a plural or select never is.
    if (/\{\s*\w+\s*,\s*(plural|select|selectordinal|number|date|time)\b/.test(text))
      found.add(`${locale} ${path}: unformatted ICU in ${JSON.stringify(text)}`);
  }
  return [...found];
}

beforeAll(async () => {
  const temp = tempDir('six-languages');
  remove = temp.remove;
  hub = await testHub(temp.dir, { now: () => NOW });
  seed = await seedOwnerShop(hub);
  // A report the hub refuses (a bonus no rule pays): Till 1 gets a page of refused reports.
  const [t1] = seed.tills as [KioskCredentials];
  await hub.store.applyOutbox(
    (await hub.store.kiosk(t1.kioskId))!,
    [
      {
        id: 'msg-forged-bonus',
        at: NOW.toISOString(),
        type: 'ledgerAppended',
        payload: {
          entries: [
            {
              id: 'forged-bonus-1',
              memberId: seed.ids.anna,
              kind: 'bonus',
              points: 5000,
              stamps: 0,
              saleId: null,
              reverses: null,
              reason: { code: 'bonus' },
              at: NOW.toISOString(),
            },
          ],
        },
      },
    ],
    NOW,
  );
  // The shop offers all six languages: the program editor shows a text field for each of the others.
  await saveShopSettings(hub, { languages: [...LOCALES] });
  const program = (await hub.store.shop(1))!.program;
  const strings = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.flatMap(strings)
        : value && typeof value === 'object'
          ? Object.values(value).flatMap(strings)
          : [];
  dataTexts = new Set([...strings(program).filter((s) => /\p{L}/u.test(s)), 'Kawiarnia Anna', 'Rynek', 'Kazimierz', 'Till 1', 'Till 2', 'Till 3']);
  browser = await launchChromium({ width: 1280, height: 900 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  remove?.();
});

/** Visits the back-office pages and checks each once: the sign-in page, the wizard's second step, the dashboard, every page its navigation and the messages page link to, a member, a kiosk's refused reports, a bad period, a member not in the shop. */
async function officeTour(page: Page, check: (path: string) => Promise<void>): Promise<string[]> {
  const visited: string[] = [];
  const visit = async (path: string, status = 200): Promise<void> => {
    const answer = await page.goto(`${hub.url}${path}`);
    expect(answer?.status(), path).toBe(status);
    await page.waitForSelector(status === 200 ? 'h1' : 'body');
    if (visited.includes(path)) return;
    visited.push(path);
    await check(path);
  };
  const links = async (selector: string): Promise<string[]> =>
    (await page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))).filter((href) => !href.endsWith('.csv'));
  await visit(`/owner?${WEEK}`);
  for (const href of await links('nav a[href^="/owner"]')) if (href !== '/owner') await visit(href);
  await visit('/owner/messages');
  for (const href of await links('a[href^="/owner/messages/"]')) await visit(href);
  await visit('/owner/accounts');
  await visit(`/owner/members/${encodeURIComponent(seed.ids.anna)}`);
  await visit('/owner/kiosks');
  for (const href of (await links('#kiosks a[href$="/refusals"]')).slice(0, 1)) await visit(href);
  await visit('/owner/welcome?name=Kawiarnia%20Anna&country=PL');
  // Two refusals: a period that is no date, a member not in the shop.
  await visit('/owner?from=2026-02-30x', 400);
  await visit('/owner/members/no-such-member', 404);
  return visited;
}

describe('every page in all six languages', () => {
  it.each(LOCALES)(
    '%s: the phone pages and every back-office page show no English message, raw key or ICU pattern',
    async (locale) => {
      const [t1] = seed.tills as [KioskCredentials];
      const found: string[] = [];
      const leaksAsPolish = new Map<string, number>();
      const page = await browser.context.newPage();
      try {
        await browser.context.clearCookies();
        await page.setExtraHTTPHeaders({ 'accept-language': ACCEPT_LANGUAGE[locale] });
        const check = async (path: string): Promise<void> => {
          expect(await page.locator('html').getAttribute('lang'), `${path} is marked as ${locale}`).toBe(locale);
          const texts = await page.evaluate(visibleTexts);
          found.push(...textFindings(locale, path, texts));
          // The English pages read as Polish ones must show leaks on every page: the texts gathered are the page's own.
          if (locale === 'en') leaksAsPolish.set(path, textFindings('pl', path, texts).length);
        };

        // The phone: the join form, the card right after joining, the card, "open my card on this phone" and its code page.
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${hub.url}/C/${saleToken(t1, 100 + LOCALES.indexOf(locale), 18, NOW)}`);
        await page.waitForSelector('form');
        await check('join form');
        await page.fill('input[name=contact]', `+48 600 200 ${String(300 + LOCALES.indexOf(locale))}`);
        await page.check('input[name=consent]');
        await page.click('form button[type=submit] >> nth=-1');
        await page.waitForURL(/\/m\?claimed=/);
        await check('card after joining');
        await page.goto(`${hub.url}/m`);
        await page.waitForSelector('#balance');
        await check('card');
        await page.goto(`${hub.url}/m/open`);
        await page.waitForSelector('form');
        await check('open my card');
        await page.fill('input[name=contact]', `+48 600 200 ${String(300 + LOCALES.indexOf(locale))}`);
        await page.click('form button[type=submit] >> nth=-1');
        await page.waitForSelector('input[name=code]');
        await check('open my card: the code');
        // An address cut off or mistyped.
        expect((await page.goto(`${hub.url}/C-no-such-page`))?.status()).toBe(404);
        expect(await page.locator('#message').innerText()).toBe(allCatalogs.claim[locale].notFound);
        await check('no such page');
        // A wallet link kept from before the hub's wallet was turned off.
        expect((await page.goto(`${hub.url}/m/wallet/apple`))?.status()).toBe(404);
        expect(await page.locator('#message').innerText()).toBe(allCatalogs.claim[locale].notFound);
        await check('wallet not offered');

        // The back office.
        await browser.context.clearCookies();
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(`${hub.url}/owner/login`);
        await check('/owner/login');
        await signInAsOwner(page, hub);
        const visited = await officeTour(page, check);
        // The tour reached every section (a broken navigation would make an empty scan pass).
        for (const path of [
          '/owner/members',
          '/owner/program/edit',
          '/owner/rewards',
          '/owner/kiosks',
          '/owner/messages',
          '/owner/settings',
          '/owner/accounts',
        ])
          expect(visited).toContain(path);
        expect(visited.some((p) => p.endsWith('/refusals'))).toBe(true);
        expect(visited.some((p) => p.startsWith('/owner/messages/'))).toBe(true);

        // A form sent after the session ended: refused in the owner's language, with the way back to the sign-in.
        await page.goto(`${hub.url}/owner/settings`);
        await browser.context.clearCookies();
        const [refused] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/owner/settings') && r.request().method() === 'POST'),
          page.click('#save'),
        ]);
        expect(refused.status()).toBe(401);
        await page.waitForSelector('#message');
        expect(await page.locator('#message').innerText()).toBe(allCatalogs.ownerAccounts[locale].signInRequired);
        await check('a form sent after the session ended');
      } finally {
        await page.close();
      }
      expect(found).toEqual([]);
      if (locale === 'en') {
        expect(leaksAsPolish.size).toBeGreaterThan(15);
        expect([...leaksAsPolish].filter(([, leaks]) => leaks === 0)).toEqual([]);
      }
    },
    180_000,
  );

  it('the check sees a leak: an English message on a Polish page is found, the same text in English is not', () => {
    const english = allCatalogs.owner.en;
    const key = (Object.keys(english) as (keyof typeof english)[]).find(
      (k) => !/\{/.test(english[k]) && english[k] !== allCatalogs.owner.pl[k] && words(english[k]) >= 2,
    )!;
    expect(textFindings('pl', '/x', [english[key]])).toHaveLength(1);
    expect(textFindings('en', '/x', [english[key]])).toEqual([]);
    expect(textFindings('pl', '/x', [allCatalogs.owner.pl[key]])).toEqual([]);
    expect(textFindings('pl', '/x', ['owner.' + String(key)]).some((f) => f.includes('raw key'))).toBe(/[.A-Z_-]/.test(String(key)));
    expect(textFindings('de', '/x', ['{n, plural, one {# Punkt} other {# Punkte}}'])).toHaveLength(1);
  });
});
