import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, EVENT_NAMES, commands, events, type KioskEvent } from '../../core/contract';
import { createDispatcher, type RefusalLogEntry } from '../../main/ipc/dispatcher';
import { FakeKioskServices } from '../support/fake-services';

function setup(opts: { now?: () => number; staffIdleMs?: number } = {}) {
  const services = new FakeKioskServices();
  const logged: RefusalLogEntry[] = [];
  const dispatcher = createDispatcher({ services, log: (e) => logged.push(e), ...opts });
  const session = dispatcher.openSession('test');
  return { services, logged, dispatcher, session };
}

const sale = { total: { amount: 1840, currency: 'PLN' } };

describe('IPC contract', () => {
  it('declares a schema for every command and event name', () => {
    expect(Object.keys(commands).sort()).toEqual([...COMMAND_NAMES].sort());
    expect(Object.keys(events).sort()).toEqual([...EVENT_NAMES].sort());
  });
});

describe('dispatcher refuses bad messages with a logged reason and no service call', () => {
  it.each([
    ['unknown command', 'dropTables', {}, 'unknownCommand'],
    ['non-string name', 42, {}, 'unknownCommand'],
    ['wrong shape', 'unlockStaff', { pin: 1234 }, 'badArgs'],
    ['extra field', 'unlockStaff', { pin: '1234', admin: true }, 'badArgs'],
    ['missing args', 'unlockStaff', undefined, 'badArgs'],
    ['oversized', 'unlockStaff', { pin: '1'.repeat(20_000) }, 'tooLarge'],
    [
      'cyclic',
      'unlockStaff',
      (() => {
        const a: Record<string, unknown> = {};
        a.self = a;
        return a;
      })(),
      'badArgs',
    ],
  ] as const)('%s', async (_what, name, args, code) => {
    const { services, logged, session } = setup();
    const reply = await session.call(name, args);
    expect(reply).toMatchObject({ ok: false, error: { code } });
    expect(services.calls).toEqual([]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ code, session: 'test#1' });
    expect(logged[0]!.reason.length).toBeGreaterThan(5);
  });

  it('refuses a staff command while staff mode is locked', async () => {
    const { services, logged, session } = setup();
    const reply = await session.call('createSale', sale);
    expect(reply).toMatchObject({ ok: false, error: { code: 'staffLocked' } });
    expect(services.calls).toEqual([]);
    expect(logged[0]).toMatchObject({ command: 'createSale', code: 'staffLocked' });
  });

  it('refuses money that is not integer minor units, after unlocking', async () => {
    const { services, session } = setup();
    await session.call('unlockStaff', { pin: '1234' });
    services.calls.length = 0;
    for (const total of [
      { amount: 18.4, currency: 'PLN' },
      { amount: 1840, currency: 'USD' },
      { amount: 0, currency: 'PLN' },
      { amount: -5, currency: 'PLN' },
    ]) {
      expect(await session.call('createSale', { total })).toMatchObject({ ok: false, error: { code: 'badArgs' } });
    }
    expect(services.calls).toEqual([]);
  });

  it('passes a good message through and validates the result', async () => {
    const { services, session } = setup();
    expect(await session.call('unlockStaff', { pin: '1234' })).toMatchObject({ ok: true, value: { unlocked: true } });
    const reply = await session.call('createSale', sale);
    expect(reply).toMatchObject({ ok: true, value: { total: { amount: 1840, currency: 'PLN' }, state: 'open' } });
    expect(services.calls).toEqual(['checkStaffPin', 'createSale']);
  });

  it('refuses a service result outside the contract', async () => {
    const { services, logged, session } = setup();
    services.getStatus = async () => ({ shopName: 'x' }) as never;
    expect(await session.call('getStatus', {})).toMatchObject({ ok: false, error: { code: 'badResult' } });
    expect(logged[0]?.reason).toMatch(/outside the contract/);
  });

  it('turns a KioskError into a refusal with its reason', async () => {
    const { session } = setup();
    await session.call('unlockStaff', { pin: '1234' });
    expect(await session.call('voidSale', { saleId: 'nope' })).toMatchObject({ ok: false, error: { code: 'failed', reason: 'saleNotFound' } });
  });
});

describe('staff PIN', () => {
  it('locks the PIN pad after five wrong PINs, even for a new session, and does not ask the services meanwhile', async () => {
    let t = 1_000_000;
    const { services, dispatcher, session } = setup({ now: () => t });
    for (let i = 1; i <= 4; i++) {
      expect(await session.call('unlockStaff', { pin: '0000' })).toMatchObject({
        ok: true,
        value: { unlocked: false, reason: 'wrongPin', attemptsLeft: 5 - i },
      });
    }
    expect(await session.call('unlockStaff', { pin: '0000' })).toMatchObject({ ok: true, value: { unlocked: false, reason: 'lockedOut' } });
    const other = dispatcher.openSession('other');
    services.calls.length = 0;
    expect(await other.call('unlockStaff', { pin: '1234' })).toMatchObject({ ok: true, value: { unlocked: false, reason: 'lockedOut' } });
    expect(services.calls).toEqual([]);
    t += 5 * 60_000;
    expect(await other.call('unlockStaff', { pin: '1234' })).toMatchObject({ ok: true, value: { unlocked: true } });
  });

  it('locks staff mode after inactivity and tells the session', async () => {
    let t = 0;
    const { session } = setup({ now: () => t, staffIdleMs: 60_000 });
    const seen: KioskEvent[] = [];
    session.onEvent((e) => seen.push(e));
    await session.call('unlockStaff', { pin: '1234' });
    t = 59_000;
    expect(await session.call('getTodayFigures', {})).toMatchObject({ ok: true });
    t = 59_000 + 60_000;
    expect(await session.call('getTodayFigures', {})).toMatchObject({ ok: false, error: { code: 'staffLocked' } });
    expect(seen).toContainEqual({ name: 'staffLocked', payload: { reason: 'idle' } });
    session.close();
  });

  it('lockStaff locks at once', async () => {
    const { session } = setup();
    await session.call('unlockStaff', { pin: '1234' });
    expect(session.isStaffUnlocked()).toBe(true);
    await session.call('lockStaff', {});
    expect(session.isStaffUnlocked()).toBe(false);
    session.close();
  });
});

describe('events', () => {
  it('forwards valid events and drops malformed ones with a logged reason', async () => {
    const { services, logged, session } = setup();
    const seen: KioskEvent[] = [];
    session.onEvent((e) => seen.push(e));
    services.setPrinterFault('paperOut');
    services.emitRaw({ name: 'printerStatusChanged', payload: { state: 'on fire' } });
    services.emitRaw({ name: 'selfDestruct', payload: {} });
    expect(seen).toEqual([{ name: 'printerStatusChanged', payload: { state: 'fault', fault: 'paperOut', name: 'Virtual printer' } }]);
    expect(logged.map((l) => l.command)).toEqual(['event printerStatusChanged', 'event selfDestruct']);
    session.close();
  });
});
