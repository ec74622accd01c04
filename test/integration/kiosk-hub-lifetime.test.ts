// The local hub `npm start` runs dies with its kiosk: a kiosk killed with SIGKILL (no clean-up runs)
// must not leave its hub holding HUB_PORT, and a start that finds a hub an earlier kiosk left
// behind says so and stops it. Real processes: the kiosk as tills start it, its hub, kill -9.
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnTsx, type Child } from '../fixtures/spawn-tsx';
import { tempDir } from '../support/hub-harness';

const temp = tempDir('hub-lifetime');
const children: Child[] = [];
const hubPids: number[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await child.exited;
  }
  for (const pid of hubPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  temp.remove();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** The process state letter from /proc (R, S, T stopped, Z zombie), or undefined when it is gone. */
const state = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
};
// A zombie (dead, not yet reaped) holds no port.
const running = (pid: number): boolean => ![undefined, 'Z'].includes(state(pid));

/** Polls `check` every 100 ms until it holds; false if it never did within `ms` (a bound, not a speed test). */
async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

describe('the local hub lives as long as its kiosk', () => {
  it('a kiosk killed with SIGKILL frees HUB_PORT; a hub left behind is named and stopped by the next start', async () => {
    const hubPort = await freePort();
    const env = { ...process.env, KIOSK_DATA_DIR: temp.dir, KIOSK_API_PORT: '0', HUB_PORT: String(hubPort), KIOSK_API_TOKEN: 'lifetime-test-token-0123456789' };
    const pidFile = join(temp.dir, 'local-hub', 'local-hub.pid');
    const start = async (): Promise<{ kiosk: Child; hubPid: number }> => {
      const kiosk = spawnTsx('main/start.ts', ['--headless'], env);
      children.push(kiosk);
      await kiosk.waitFor((lines) => lines.includes('kiosk ready'), 60_000);
      expect(kiosk.lines.find((l) => l.startsWith('hub: '))).toContain(`http://127.0.0.1:${hubPort} (local hub started by npm start)`);
      const record = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number; parentPid: number; port: number };
      expect(record).toMatchObject({ parentPid: kiosk.proc.pid, port: hubPort });
      hubPids.push(record.pid);
      return { kiosk, hubPid: record.pid };
    };

    // 1. kill -9: the hub notices its kiosk is gone and lets the port go.
    const first = await start();
    expect(await accepts(hubPort)).toBe(true);
    first.kiosk.proc.kill('SIGKILL');
    await first.kiosk.exited;
    expect(await eventually(async () => !running(first.hubPid) && !(await accepts(hubPort)), 10_000)).toBe(true);

    // 2. The next start on the same HUB_PORT and store works and finds nothing stale to report.
    const second = await start();
    expect(second.kiosk.lines.some((l) => l.startsWith('local hub: '))).toBe(false);

    // 3. A hub that cannot notice (stopped with SIGSTOP) outlives its killed kiosk and keeps the
    //    port; the next start says so in words, stops it, and starts on the same port.
    process.kill(second.hubPid, 'SIGSTOP');
    expect(await eventually(() => state(second.hubPid) === 'T', 10_000)).toBe(true);
    second.kiosk.proc.kill('SIGKILL');
    await second.kiosk.exited;
    expect(running(second.hubPid)).toBe(true);
    const third = await start();
    expect(third.kiosk.lines).toContain(
      `local hub: one started by an earlier kiosk (pid ${second.hubPid}, port ${hubPort}) is still running though that kiosk (pid ${String(second.kiosk.proc.pid)}) is gone — stopping it`,
    );
    expect(running(second.hubPid)).toBe(false);
    expect(third.hubPid).not.toBe(second.hubPid);

    // 4. A clean stop takes the hub with it and removes the pid file.
    third.kiosk.proc.kill('SIGTERM');
    expect((await third.kiosk.exited).code).toBe(0);
    expect(running(third.hubPid)).toBe(false);
    expect(() => readFileSync(pidFile)).toThrow();
  }, 180_000);
});
