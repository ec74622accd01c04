// The wedge decoder in a real Chromium page: a scan typed into a focused field never lands in it,
// while a person typing in the same field keeps every character.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberCodeFor } from '../../core/codes';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Page glue: what the renderer (or main's before-input-event) does with the decoder's answers. */
const glue = `
import { WedgeDecoder } from ${JSON.stringify(join(here, '../../hardware/scanner/wedge.ts'))};
const decoder = new WedgeDecoder({ maxGapMs: 250 });
const scans = [];
let timer;
function reinject(keys) {
  const field = document.activeElement;
  for (const k of keys) {
    if (k.key.length === 1 && field && 'setRangeText' in field) {
      field.setRangeText(k.key, field.selectionStart, field.selectionEnd, 'end');
    } else if (k.key === 'Enter') {
      window.enters = (window.enters || 0) + 1;
    }
  }
}
window.addEventListener("keydown", (e) => {
  const r = decoder.feed({ key: e.key, code: e.code, at: e.timeStamp, shift: e.shiftKey });
  if (r.swallow) e.preventDefault();
  clearTimeout(timer);
  if (r.release) reinject(r.release);
  if (r.scan !== undefined) scans.push(r.scan);
  if (r.flushAt !== undefined) {
    const at = r.flushAt;
    timer = setTimeout(() => reinject(decoder.flush(at)), at - e.timeStamp + 1);
  }
}, true);
window.scans = scans;
`;

let context: BrowserContext;
let page: Page;
let profile: string;

beforeAll(async () => {
  const bundle = await build({ stdin: { contents: glue, resolveDir: here, loader: 'js' }, bundle: true, write: false, format: 'iife' });
  profile = mkdtempSync(join(tmpdir(), 'scanner-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/lib/chromium/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.setContent('<input id="name" autofocus>');
  await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  await page.focus('#name');
  // Warm the input path up: the first events after a cold start can take a while to arrive.
  for (let i = 0; i < 5; i++) await page.keyboard.press('Shift');
  await page.waitForTimeout(200);
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/**
 * A scanner's burst as trusted key events. The commands are pipelined over CDP (not awaited one
 * by one) so they arrive as fast as a scanner types; Shift is held for capitals, as scanners do.
 */
async function scannerTypes(text: string): Promise<void> {
  const cdp = await context.newCDPSession(page);
  const sends: Promise<unknown>[] = [];
  for (const ch of [...text, '\r']) {
    const enter = ch === '\r';
    const upper = !enter && ch !== ch.toLowerCase();
    const code = enter ? 'Enter' : /[A-Z]/i.test(ch) ? `Key${ch.toUpperCase()}` : `Digit${ch}`;
    const key = enter ? 'Enter' : ch;
    const vk = enter ? 13 : ch.toUpperCase().charCodeAt(0);
    const modifiers = upper ? 8 : 0;
    sends.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code, text: ch, windowsVirtualKeyCode: vk, modifiers }));
    sends.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, windowsVirtualKeyCode: vk, modifiers }));
  }
  await Promise.all(sends);
  await cdp.detach();
}

describe('keyboard wedge in a real browser', () => {
  it('a scan into a focused field is taken out of it; a person typing keeps their text', async () => {
    const code = memberCodeFor(2024);
    await scannerTypes(code);
    expect(await page.evaluate(() => (window as unknown as { scans: string[] }).scans)).toEqual([code]);
    expect(await page.inputValue('#name')).toBe('');

    await page.keyboard.type('Anna', { delay: 700 });
    await page.waitForTimeout(800);
    expect(await page.inputValue('#name')).toBe('Anna');
    expect(await page.evaluate(() => (window as unknown as { scans: string[] }).scans)).toEqual([code]);

    await scannerTypes(code);
    expect(await page.inputValue('#name')).toBe('Anna');
    expect(await page.evaluate(() => (window as unknown as { scans: string[] }).scans)).toEqual([code, code]);
  });
});
