// A program publication is checked against the shop's settings and a settings save against the published
// program, each check and its write in one transaction holding the shop's lock (cloud/shop-settings.ts):
// of two writes that contradict each other, the second is refused and changes nothing. Store level, on
// the suite's engine (SQLite file or PostgreSQL); the writes at once come from two stores on the same
// database (PostgreSQL: two pools, as two hub nodes), started together without any timing.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShopSettingsStore } from '../../cloud/shop-settings';
import { HubStore } from '../../cloud/store';
import { demoProgram } from '../../core/program/demo';
import type { Program } from '../../core/program/schema';
import { settingsFallback, type ShopSettings } from '../../core/shop-settings';
import { hubDatabaseUrl, tempDir } from '../support/hub-harness';

const AT = new Date('2026-03-02T10:00:00.000Z');
const FROM = AT.toISOString();

let tmp: ReturnType<typeof tempDir>;
let nodeA: HubStore;
let nodeB: HubStore;

beforeEach(async () => {
  tmp = tempDir('settings-atomic');
  const where = { dataDir: join(tmp.dir, 'hub'), databaseUrl: await hubDatabaseUrl(tmp.dir) };
  nodeA = await HubStore.open(where);
  // PostgreSQL: a second pool, as a second hub node has. SQLite's hub is one process on its file (a second
  // connection in this process would wait on the first with the thread blocked): its writes at once share it.
  nodeB = nodeA.engine === 'postgres' ? await HubStore.open(where) : nodeA;
});

afterEach(async () => {
  if (nodeB !== nodeA) await nodeB?.close();
  await nodeA?.close();
  tmp?.remove();
});

const settingsOf = (store: HubStore): ShopSettingsStore => new ShopSettingsStore(store.context, store.shops);

/** The demo program (złoty, Polish, Warsaw) with `change` applied. */
const program = (change: Partial<Program> = {}): Program => ({ ...demoProgram(), ...change });

/** The Polish shop's settings (the demo program's) with `change` applied. */
const polish = (change: Partial<ShopSettings> = {}): ShopSettings => ({ ...settingsFallback('Kawiarnia', demoProgram()), ...change });

async function newShop(name: string): Promise<number> {
  return (await nodeA.createShop(name, 'privacy')).no;
}

/** What a refusal must leave as it was: the settings as stored and the program versions. */
async function state(shopNo: number): Promise<{ settings: ShopSettings; configured: boolean; versions: string[] }> {
  const stored = await settingsOf(nodeA).get(shopNo, (await nodeA.shop(shopNo))!.program);
  const versions = (await nodeA.programVersions(shopNo)).map((v) => `${v.version}:${v.document.currency}/${v.document.locale}/${v.document.timeZone}`);
  return { settings: stored.settings, configured: stored.configured, versions };
}

describe('one after the other: the second of two contradicting writes is refused, nothing changed', () => {
  it('settings in euro, then a złoty program: the program is refused; a euro one is published', async () => {
    const shopNo = await newShop('A');
    const settings = settingsOf(nodeA);
    expect(await settings.save(shopNo, polish({ currency: 'EUR' }), AT)).toEqual({ ok: true });
    const before = await state(shopNo);
    const refused = await settings.publishProgram(shopNo, program(), FROM, AT);
    expect(refused).toMatchObject({ ok: false, misfits: ['currency'], currencyLocked: false, settings: { currency: 'EUR' } });
    expect(await state(shopNo)).toEqual(before);
    expect(await settings.publishProgram(shopNo, program({ currency: 'EUR' }), FROM, AT)).toMatchObject({ ok: true, published: { version: 2 } });
  });

  it('a złoty program published, then settings in euro: the settings are refused', async () => {
    const shopNo = await newShop('B');
    const settings = settingsOf(nodeA);
    expect(await settings.save(shopNo, polish(), AT)).toEqual({ ok: true });
    expect((await settings.publishProgram(shopNo, program({ name: 'Złoty' }), FROM, AT)).ok).toBe(true);
    const before = await state(shopNo);
    expect(await settings.save(shopNo, polish({ currency: 'EUR', name: 'Renamed' }), AT)).toEqual({ ok: false, reason: 'currency-locked' });
    expect(await state(shopNo)).toEqual(before);
    // The same program published again: it still fits the settings that stayed.
    expect((await settings.publishProgram(shopNo, program({ name: 'Złoty 2' }), FROM, AT)).ok).toBe(true);
  });

  it('a language the shop does not offer and another time zone are refused; one the shop offers is published', async () => {
    const shopNo = await newShop('C');
    const settings = settingsOf(nodeA);
    expect(await settings.save(shopNo, polish({ languages: ['pl', 'de'], timeZone: 'Europe/Vienna' }), AT)).toEqual({ ok: true });
    const before = await state(shopNo);
    const refused = await settings.publishProgram(shopNo, program({ locale: 'hu', timeZone: 'Europe/Warsaw' }), FROM, AT);
    expect(refused).toMatchObject({ ok: false, misfits: ['locale', 'timeZone'], currencyLocked: false });
    expect(await state(shopNo)).toEqual(before);
    expect(await settings.publishProgram(shopNo, program({ locale: 'de', timeZone: 'Europe/Vienna' }), FROM, AT)).toMatchObject({ ok: true });
  });

  it('a shop nobody configured goes by its program: another zone is refused', async () => {
    const shopNo = await newShop('D');
    const refused = await settingsOf(nodeA).publishProgram(shopNo, program({ timeZone: 'Europe/London' }), FROM, AT);
    expect(refused).toMatchObject({ ok: false, misfits: ['timeZone'], settings: { timeZone: 'Europe/Warsaw' } });
    expect((await state(shopNo)).versions).toEqual(['1:PLN/pl/Europe/Warsaw']);
  });
});

describe('at once, from two nodes: exactly one of two contradicting writes stands', () => {
  it('a złoty program (node A) and settings in euro (node B), ten shops: one refused each time, program and settings agree', async () => {
    for (let round = 0; round < 10; round++) {
      const shopNo = await newShop(`Round ${round}`);
      expect(await settingsOf(nodeA).save(shopNo, polish(), AT)).toEqual({ ok: true });
      // Who starts first alternates, so both orders get their chance.
      const publish = (): ReturnType<ShopSettingsStore['publishProgram']> => settingsOf(nodeA).publishProgram(shopNo, program(), FROM, AT);
      const save = (): ReturnType<ShopSettingsStore['save']> => settingsOf(nodeB).save(shopNo, polish({ currency: 'EUR' }), AT);
      const [published, saved] = round % 2 === 0 ? await Promise.all([publish(), save()]) : (await Promise.all([save(), publish()])).reverse();
      expect([published!.ok, saved!.ok].filter(Boolean), `round ${round}`).toHaveLength(1);
      const after = await state(shopNo);
      if (published!.ok) {
        expect(saved, `round ${round}`).toEqual({ ok: false, reason: 'currency-locked' });
        expect([after.settings.currency, after.versions.at(-1)]).toEqual(['PLN', '2:PLN/pl/Europe/Warsaw']);
      } else {
        expect(published, `round ${round}`).toMatchObject({ ok: false, misfits: ['currency'] });
        expect([after.settings.currency, after.versions]).toEqual(['EUR', ['1:PLN/pl/Europe/Warsaw']]);
      }
    }
  });

  it('two settings saves in different zones while a program is published: each save publishes its own zone, the last one stands everywhere', async () => {
    const shopNo = await newShop('Zones');
    expect(await settingsOf(nodeA).save(shopNo, polish(), AT)).toEqual({ ok: true });
    expect((await settingsOf(nodeA).publishProgram(shopNo, program(), FROM, AT)).ok).toBe(true);
    const [vienna, berlin] = await Promise.all([
      settingsOf(nodeA).save(shopNo, polish({ timeZone: 'Europe/Vienna' }), AT),
      settingsOf(nodeB).save(shopNo, polish({ timeZone: 'Europe/Berlin' }), AT),
    ]);
    expect([vienna?.ok, berlin?.ok]).toEqual([true, true]);
    const after = await state(shopNo);
    // Whichever committed last: its zone is the settings' and the newest version's.
    expect(after.versions.at(-1)).toBe(`4:PLN/pl/${after.settings.timeZone}`);
    expect(after.versions).toHaveLength(4);
  });
});
