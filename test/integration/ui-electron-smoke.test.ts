import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ensureRendererBuilt } from '../support/renderer-build';

/** `require('electron')` is the binary's path when it was downloaded; it throws when it was not. */
function electronBinary(): string | undefined {
  try {
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const electronPath = electronBinary();
const hasElectron = electronPath !== undefined;
if (!hasElectron) console.log('Electron binary not present: smoke test skipped');

describe('Electron shell smoke test', () => {
  it.skipIf(!hasElectron)(
    'launches the real Electron app, loads the kiosk window, and the preload reaches main',
    async () => {
      const rendererDir = await ensureRendererBuilt();
      const dir = mkdtempSync(join(tmpdir(), 'kiosk-electron-'));
      try {
        const common = { bundle: true, platform: 'node' as const, external: ['electron'], logLevel: 'error' as const };
        await build({ ...common, entryPoints: ['test/support/electron-smoke-entry.ts'], outfile: join(dir, 'main.mjs'), format: 'esm' });
        await build({ ...common, entryPoints: ['preload/index.ts'], outfile: join(dir, 'preload.cjs'), format: 'cjs' });
        const run = spawnSync(electronPath!, [join(dir, 'main.mjs')], {
          env: { ...process.env, KIOSK_SMOKE_RENDERER: rendererDir, KIOSK_SMOKE_PRELOAD: join(dir, 'preload.cjs'), ELECTRON_ENABLE_LOGGING: '1' },
          encoding: 'utf8',
          timeout: 60_000,
        });
        const line = run.stdout.split('\n').find((l) => l.startsWith('SMOKE '));
        expect(line, run.stderr).toBeDefined();
        const smoke = JSON.parse(line!.slice(6)) as { reply: { ok: boolean; value: { shopName: string } }; shown: string; node: string };
        expect(smoke.reply.ok).toBe(true);
        expect(smoke.reply.value.shopName).toBe('Kawiarnia Pod Lipą');
        expect(smoke.shown).toBe('idle');
        expect(smoke.node).toBe('undefined'); // no Node in the page
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
