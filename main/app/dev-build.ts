import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Development builds for `npm start` (and the tests): the renderer with vite, when dist/renderer is
 * missing or older than its sources. Vite is imported only when a build is needed, so a packaged
 * app never loads it.
 */
export const RENDERER_DIST = resolve('dist/renderer');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the renderer into dist/renderer when it is missing or older than its sources. */
export async function ensureRendererBuilt(): Promise<string> {
  const index = join(RENDERER_DIST, 'index.html');
  const sources = Math.max(newestSource(resolve('renderer')), newestSource(resolve('core')));
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    const { build } = await import('vite');
    await build({ configFile: resolve('renderer/vite.config.ts'), logLevel: 'error' });
  }
  return RENDERER_DIST;
}

/** `require('electron')` is the binary's path when it was downloaded; undefined when it was not. */
export function electronBinary(): string | undefined {
  try {
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Electron main process and the preload as CommonJS bundles (dist/main, dist/preload), for
 * `npm start` where Electron exists and for `npm run dist`. Native modules stay outside the bundle:
 * electron-builder rebuilds them for Electron.
 */
export async function buildElectronBundles(): Promise<void> {
  const { build } = await import('esbuild');
  const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, logLevel: 'error' as const, external: ['electron'] };
  await build({ ...common, entryPoints: ['preload/index.ts'], outfile: 'dist/preload/index.cjs' });
  await build({
    ...common,
    entryPoints: ['main/electron-app.ts'],
    outfile: 'dist/main/electron-app.cjs',
    external: ['electron', 'better-sqlite3', 'serialport', 'node-hid'],
    // import.meta.url (the local hub finds cloud/start.ts by it) is the bundle's own file in CommonJS.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes('--electron-bundles')) {
  await buildElectronBundles();
}
