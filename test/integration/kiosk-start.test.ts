// `npm start -- --headless` as tills and scripts use it: a real child process with its local hub,
// one line per service, a sale over the till API, a clean stop, and a second kiosk on the same
// store refused.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnTsx, type Child } from '../fixtures/spawn-tsx';
import { tempDir } from '../support/hub-harness';

const temp = tempDir('start');
const env = { ...process.env, KIOSK_DATA_DIR: temp.dir, KIOSK_API_PORT: '0', HUB_PORT: '0', KIOSK_API_TOKEN: 'start-test-token-0123456789' };
const children: Child[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    await child.exited;
  }
  temp.remove();
});

describe('npm start -- --headless', () => {
  it('prints one line per service, takes a sale, refuses a second kiosk on the same store, and stops cleanly', async () => {
    const kiosk = spawnTsx('main/start.ts', ['--headless'], env);
    children.push(kiosk);
    await kiosk.waitFor((lines) => lines.includes('kiosk ready'), 60_000);
    const line = (prefix: string): string => kiosk.lines.find((l) => l.startsWith(prefix)) ?? '';
    expect(line('store: ')).toContain(temp.dir);
    expect(line('hub: ')).toMatch(/^hub: http:\/\/127\.0\.0\.1:\d+ \(local hub started by npm start\); phones claim at http:\/\/[\d.]+:\d+$/);
    expect(line('printer: ')).toContain('virtual printer');
    expect(line('kiosk UI: ')).toBe(''); // headless: services only, no screen served
    const apiUrl = /till API: (http:\/\/127\.0\.0\.1:\d+)/.exec(line('till API: '))?.[1];
    expect(apiUrl).toBeDefined();

    const res = await fetch(`${apiUrl}/v1/sales`, {
      method: 'POST',
      headers: { authorization: 'Bearer start-test-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ tillSaleId: 'A-1001', total: { amount: 1840, currency: 'PLN' } }),
    });
    expect(res.status).toBe(201);
    const sale = (await res.json()) as { saleId: string; points: number; claimUrl: string };
    expect(sale.points).toBeGreaterThan(0);
    expect(sale.claimUrl).toMatch(/\/C\/[A-Z2-7]+$/);

    const second = spawnTsx('main/start.ts', ['--headless'], env);
    children.push(second);
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stderr()).toMatch(/Another kiosk process \(pid \d+\) is using .*kiosk\.sqlite; close it first/);

    kiosk.proc.kill('SIGTERM');
    expect((await kiosk.exited).code).toBe(0);
  }, 120_000); // two kiosk starts through tsx; its own wait for "kiosk ready" allows 60 s
});
