import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

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
    await build({ configFile: resolve('renderer/vite.config.ts'), logLevel: 'error' });
  }
  return RENDERER_DIST;
}
