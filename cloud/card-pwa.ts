import { asset } from './page-assets';

/**
 * The member card as an installable web app: its manifest, its service worker and the script that
 * registers it. Pure text and data; the routes are in cloud/routes/member-card.ts.
 *
 * What is kept offline is exactly one thing: the last card page the hub marked `x-card-cache: store`
 * (the signed-in member's own card, with their QR for staff to scan) and the style sheet and script
 * it links. Nothing else is ever stored: the worker's scope is the card (`/m`), owner pages are
 * outside it, and a voucher, a refusal or another page under /m is passed through untouched. An
 * answer marked `x-card-cache: clear` (signing out, a 401 because the session ended) deletes it.
 */

/** The card's address: the manifest's start_url and scope, and the one page the worker keeps. */
export const CARD_PATH = '/m';
export const CARD_SW_PATH = '/m/sw.js';
export const CARD_MANIFEST_PATH = '/m/manifest.webmanifest';
export const CARD_ICON_SIZES = [192, 512] as const;
export const cardIconPath = (size: number): string => `/m/icon-${size}.png`;
/** The answer header that tells the worker what to do with the card it keeps. */
export const CARD_CACHE_HEADER = 'x-card-cache';

export interface CardManifest {
  id: string;
  name: string;
  short_name: string;
  lang: string;
  start_url: string;
  scope: string;
  display: 'standalone';
  background_color: string;
  theme_color: string;
  icons: { src: string; sizes: string; type: 'image/png'; purpose: 'any' }[];
}

export function cardManifest(shopName: string, lang: string): CardManifest {
  return {
    id: CARD_PATH,
    name: shopName,
    // A home-screen label has room for about 12 characters.
    short_name: [...shopName].slice(0, 12).join(''),
    lang,
    start_url: CARD_PATH,
    scope: CARD_PATH,
    display: 'standalone',
    background_color: '#f6f3ee',
    theme_color: '#1f6f4a',
    icons: CARD_ICON_SIZES.map((size) => ({ src: cardIconPath(size), sizes: `${size}x${size}`, type: 'image/png', purpose: 'any' })),
  };
}

/** The service worker (served at CARD_SW_PATH with Service-Worker-Allowed: /m). */
export const CARD_SERVICE_WORKER = `'use strict';
var CACHE = 'member-card-v1';
var CARD = ${JSON.stringify(CARD_PATH)};
var MARK = ${JSON.stringify(CARD_CACHE_HEADER)};
self.addEventListener('install', function (event) {
  // The card the phone is looking at while the worker installs is kept at once, not at the next visit.
  event.waitUntil(fetch(CARD, { credentials: 'same-origin', redirect: 'manual' }).then(follow).catch(function () {}).then(function () { return self.skipWaiting(); }));
});
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });
/** Keeps a card marked "store" (and the style sheet and script it links), drops everything on "clear". */
function follow(response) {
  var mark = response.headers.get(MARK);
  if (mark === 'clear') return caches.delete(CACHE);
  if (mark !== 'store' || response.status !== 200) return Promise.resolve();
  return response.clone().text().then(function (html) {
    var assets = [];
    html.replace(/(?:href|src)="(\\/assets\\/[^"]+)"/g, function (_m, url) { assets.push(url.replace(/&amp;/g, '&')); return ''; });
    return caches.delete(CACHE).then(function () { return caches.open(CACHE); }).then(function (cache) {
      return cache.put(CARD, response).then(function () { return cache.addAll(assets); });
    });
  });
}
self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'GET' && url.pathname === CARD && request.mode === 'navigate') {
    event.respondWith(fetch(request).then(function (response) {
      return follow(response.clone()).catch(function () {}).then(function () { return response; });
    }, function (error) {
      return caches.open(CACHE).then(function (cache) { return cache.match(CARD); }).then(function (kept) { if (kept) return kept; throw error; });
    }));
    return;
  }
  if (request.method === 'GET' && url.pathname.indexOf('/assets/') === 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) { return cache.match(request); }).then(function (kept) { return kept || fetch(request); }));
    return;
  }
  // Signing out (a form under /m) answers "clear": the kept card goes with the session.
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).then(function (response) {
      return (response.headers.get(MARK) === 'clear' ? caches.delete(CACHE) : Promise.resolve()).then(function () { return response; });
    }));
  }
});
`;

/** The card page's own script: registers the worker (a browser without service workers just shows the card). */
export const CARD_JS = asset(
  'card.js',
  `if ('serviceWorker' in navigator) navigator.serviceWorker.register(${JSON.stringify(CARD_SW_PATH)}, { scope: ${JSON.stringify(CARD_PATH)} }).catch(function () {});\n`,
);
