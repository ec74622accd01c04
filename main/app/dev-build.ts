import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

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
