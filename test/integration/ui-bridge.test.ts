import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { BRIDGE_SOCKET_PATH } from '../../core/contract';
import { INTERNAL_ERROR_TEXT, startBridge, type Bridge } from '../../main/bridge/server';
import { createDispatcher, type RefusalLogEntry } from '../../main/ipc/dispatcher';
import { FakeKioskServices } from '../support/fake-services';
import { ensureRendererBuilt } from '../support/renderer-build';

describe('browser bridge', () => {
  let bridge: Bridge;
  let fake: FakeKioskServices;
  const refusals: RefusalLogEntry[] = [];
  const bridgeLog: string[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    fake = new FakeKioskServices();
    const dispatcher = createDispatcher({ services: fake, log: (e) => refusals.push(e) });
    bridge = await startBridge({ dispatcher, staticDir: await ensureRendererBuilt(), log: (l) => bridgeLog.push(l) });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await bridge?.close();
  });

  /** A client the way the kiosk page connects: its own Origin and the launch secret; each can be overridden. */
  function connect(extraHeaders: Record<string, string> = {}, secret: string | null = bridge.secret): Promise<Socket> {
    const headers = { origin: bridge.url.replace(/\/$/, ''), ...extraHeaders };
    const socket = io(bridge.url, {
      path: BRIDGE_SOCKET_PATH,
      transports: ['websocket'],
      extraHeaders: headers,
      reconnection: false,
      ...(secret === null ? {} : { auth: { secret } }),
    });
    sockets.push(socket);
    return new Promise((ok, fail) => {
      socket.once('connect', () => ok(socket));
      socket.once('connect_error', fail);
    });
  }

  it('listens on loopback only and serves the renderer with a strict CSP', async () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(bridge.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="root">');
    expect((await fetch(new URL('/../../package.json', bridge.url))).status).not.toBe(200);
  });

  it('answers a request it failed on with JSON { error } in words, no internals, and logs the cause', async () => {
    const failing = await startBridge({
      dispatcher: createDispatcher({ services: fake, log: () => undefined }),
      staticDir: await ensureRendererBuilt(),
      log: (l) => bridgeLog.push(l),
      extraRoutes: () => {
        throw new Error('SQLITE_IOERR: disk I/O error at /var/lib/kiosk/kiosk.db');
      },
    });
    try {
      const res = await fetch(failing.url);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: string };
      expect(body).toEqual({ error: INTERNAL_ERROR_TEXT });
      expect(body.error).not.toMatch(/SQLITE|kiosk\.db|\.ts\b/);
      // The cause with its stack (where it was thrown) is in the log.
      expect(bridgeLog.find((l) => l.startsWith('[bridge] GET / failed:'))).toMatch(/SQLITE_IOERR: disk I\/O error[\s\S]*ui-bridge\.test\.ts/);
    } finally {
      await failing.close();
    }
  });

  it('answers an address with a broken %-escape with a 400 in JSON, not an internal error', async () => {
    const res = await fetch(new URL('/assets/%E0%A4%A', bridge.url));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/%-escape/);
    expect((await fetch(bridge.url)).status).toBe(200);
  });

  it('refuses bad messages with a logged reason and no service call', async () => {
    const socket = await connect();
    const before = fake.calls.length;
    const unknown = await socket.emitWithAck('invoke', 'formatDisk', {});
    const badShape = await socket.emitWithAck('invoke', 'unlockStaff', { pin: ['1', '2'] });
    const locked = await socket.emitWithAck('invoke', 'createSale', { total: { amount: 100, currency: 'PLN' } });
    const oversized = await socket.emitWithAck('invoke', 'searchMembers', { query: 'x'.repeat(17_000) });
    expect([unknown, badShape, locked, oversized].map((r: { error: { code: string } }) => r.error.code)).toEqual([
      'unknownCommand',
      'badArgs',
      'staffLocked',
      'tooLarge',
    ]);
    expect(fake.calls.length).toBe(before);
    expect(refusals.map((r) => r.code)).toEqual(['unknownCommand', 'badArgs', 'staffLocked', 'tooLarge']);
  });

  it('carries the same contract: unlock, createSale, and the saleCreated event', async () => {
    const socket = await connect();
    const events: unknown[] = [];
    socket.on('kiosk-event', (e: unknown) => events.push(e));
    expect(await socket.emitWithAck('invoke', 'unlockStaff', { pin: '1234' })).toMatchObject({ ok: true, value: { unlocked: true } });
    const reply = await socket.emitWithAck('invoke', 'createSale', { total: { amount: 990, currency: 'PLN' } });
    expect(reply).toMatchObject({ ok: true, value: { total: { amount: 990, currency: 'PLN' }, state: 'open' } });
    await expect.poll(() => events).toContainEqual({ name: 'saleCreated', payload: reply.value });
  });

  it('a staff unlock in one connection does not unlock another', async () => {
    const other = await connect();
    expect(await other.emitWithAck('invoke', 'getTodayFigures', {})).toMatchObject({ ok: false, error: { code: 'staffLocked' } });
  });

  it('refuses a browser page from another origin, even one holding the secret', async () => {
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow();
    expect(bridgeLog.some((l) => l.includes('evil.example'))).toBe(true);
  });

  it('refuses a client on this machine that sends no Origin, or lacks the launch secret, before it sees any event', async () => {
    const before = fake.calls.length;
    const noOrigin = io(bridge.url, { path: BRIDGE_SOCKET_PATH, transports: ['websocket'], reconnection: false, auth: { secret: bridge.secret } });
    sockets.push(noOrigin);
    await expect(
      new Promise((ok, fail) => {
        noOrigin.once('connect', () => ok(undefined));
        noOrigin.once('connect_error', fail);
      }),
    ).rejects.toThrow();
    await expect(connect({}, null)).rejects.toThrow(/address printed at start/);
    await expect(connect({}, 'x'.repeat(bridge.secret.length))).rejects.toThrow(/address printed at start/);
    expect(bridgeLog.filter((l) => l.includes('without an Origin') || l.includes('launch secret'))).toHaveLength(3);
    expect(fake.calls.length).toBe(before);
    expect(bridge.pageUrl('?thanksMs=5')).toBe(`${bridge.url}?thanksMs=5#bridge=${bridge.secret}`);
  });
});
