// `npm start` without --headless where there is no Electron binary: a real child process serves the
// kiosk screen over the local bridge with the real services, prints its URL and the staff PIN, and
// offers the developer panel (which takes changes only from its own page).
import { afterAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../main/app/dev-build';
import { spawnTsx, type Child } from '../fixtures/spawn-tsx';
import { tempDir } from '../support/hub-harness';

const temp = tempDir('ui-start');
const env = { ...process.env, KIOSK_DATA_DIR: temp.dir, KIOSK_API_PORT: '0', HUB_PORT: '0', KIOSK_UI_PORT: '0', KIOSK_API_TOKEN: 'ui-start-token-0123456789' };
const children: Child[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    await child.exited;
  }
  temp.remove();
});

describe('npm start (browser shell)', () => {
  it.skipIf(electronBinary() !== undefined)(
    'prints the kiosk UI URL, serves the renderer and the developer panel, stops cleanly',
    async () => {
      const kiosk = spawnTsx('main/start.ts', [], env);
      children.push(kiosk);
      await kiosk.waitFor((lines) => lines.includes('kiosk ready'), 120_000);
      // The printed address carries the bridge's launch secret in its fragment.
      const url = /^kiosk UI: (http:\/\/127\.0\.0\.1:\d+\/)#bridge=[A-Za-z0-9_-]+$/.exec(kiosk.lines.find((l) => l.startsWith('kiosk UI: ')) ?? '')?.[1];
      expect(url).toBeDefined();
      expect(kiosk.lines).toContain('staff PIN: 1234 (the default — set KIOSK_STAFF_PIN)');
      expect(kiosk.lines).toContain(`developer panel: ${url}dev`);

      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('<div id="root">');

      const panel = await fetch(`${url}dev`);
      expect(await panel.text()).toContain('Kiosk developer panel');
      const origin = url!.slice(0, -1);
      const foreign = await fetch(`${url}dev/api/sale`, {
        method: 'POST',
        headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
        body: '{"amount":100}',
      });
      expect(foreign.status).toBe(403);
      const sale = await fetch(`${url}dev/api/sale`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{"amount":1840}' });
      expect(sale.status).toBe(200);
      const state = (await (await fetch(`${url}dev/api/state`)).json()) as { hub: string };
      expect(state.hub).toMatch(/^(online|connecting)/);

      kiosk.proc.kill('SIGTERM');
      expect((await kiosk.exited).code).toBe(0);
    },
    180_000,
  );
});
