import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiptDocument } from '../../core/receipt/document';
import { encodeReceipt } from '../../hardware/printer/escpos';
import { resolveProfile } from '../../hardware/printer/profiles';
import { VirtualPrinter } from '../../hardware/printer/virtual-printer';
import { goldenReceipts } from '../fixtures/golden/receipts';

// The virtual printer's picture in a real browser: the SVG loads at paper width and has ink where
// the text and the QR are. Pictures are kept under test-artifacts/printer/ for a person to look at.
const artifacts = join(import.meta.dirname, '../../test-artifacts/printer');
let profileDir = '';
let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  profileDir = mkdtempSync(join(tmpdir(), 'printer-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/lib/chromium/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

describe('virtual printer picture', () => {
  it.each([
    ['pl', 58, 'clone-58'],
    ['pl', 80, 'clone-80'],
    ['hu', 80, 'epson-tm-t88'],
    ['de', 58, 'clone-58'],
  ] as const)('%s at %d mm (%s) renders with its QR in Chromium', async (lang, paper, model) => {
    const profile = resolveProfile(model, paper);
    const virtual = new VirtualPrinter({ columns: profile.lineColumns });
    virtual.session(() => undefined)(encodeReceipt(buildReceiptDocument(goldenReceipts[lang].input), profile));
    const svg = virtual.svg()!;
    const file = join(artifacts, `${lang}-${paper}.svg`);
    writeFileSync(file, svg);
    const page = await context.newPage();
    await page.setViewportSize({ width: profile.lineDots + 40, height: 800 });
    await page.setContent('<html><body style="margin:0;padding:20px;background:#ccc"></body></html>');
    const ink = await page.evaluate(async (source) => {
      const img = new Image();
      img.src = `data:image/svg+xml;base64,${btoa(String.fromCharCode(...new TextEncoder().encode(source)))}`;
      await img.decode();
      document.body.appendChild(img);
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 80) dark++;
      return { width: img.naturalWidth, height: img.naturalHeight, dark };
    }, svg);
    await page.screenshot({ path: join(artifacts, `${lang}-${paper}.png`), fullPage: true });
    await page.close();
    expect(ink.width).toBe(profile.lineDots);
    expect(ink.height).toBeGreaterThan(600);
    // A QR of version 3+ alone is well over 5,000 dark dots at these sizes.
    expect(ink.dark).toBeGreaterThan(5000);
  });
});
