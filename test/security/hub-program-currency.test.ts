// The shop's currency has one home, its settings: every owner route that writes the program refuses a
// program counting in another currency, says what to do, and changes nothing. Real hub on loopback,
// real HTTP with the owner token; the settings change the currency the supported way (the Settings
// form, before anything is published), and the wizard's template and the editor follow them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { escapeHtml } from '../../cloud/pages';
import { formatMessage } from '../../core/i18n/catalog';
import { programMessages } from '../../core/i18n/program';
import { DEMO_PROGRAM_DOCUMENT } from '../../core/program/demo';
import { loadProgram } from '../../core/program/schema';
import { saveShopSettings, tempDir, testHub } from '../support/hub-harness';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;

beforeEach(async () => {
  tmp = tempDir('sec-currency');
  hub = await testHub(tmp.dir);
});

afterEach(async () => {
  await hub?.close();
  tmp?.remove();
});

const HUNGARIAN = { name: 'Pékség a Hídnál', country: 'HU', currency: 'HUF', locale: 'hu', timeZone: 'Europe/Budapest', languages: ['hu'] } as const;

/** The demo program counting in `currency` (its amounts unchanged: only the currency differs). */
const programIn = (currency: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...structuredClone(DEMO_PROGRAM_DOCUMENT),
  currency,
  ...extra,
});

async function putProgram(
  document: unknown,
): Promise<{ status: number; json: { error?: string; code?: string; issues?: { path: string; message: string }[] } }> {
  const res = await fetch(`${hub.url}/owner/program`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(document),
  });
  return { status: res.status, json: (await res.json()) as { error?: string } };
}

/** The editor's form posted with the owner token: changed fields only (the others keep their values). */
async function publishFromEditor(fields: Record<string, string>, language = 'en'): Promise<Response> {
  return fetch(`${hub.url}/owner/program/publish`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(fields).toString(),
    headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': language },
  });
}

/** What the shop's program and its versions are (a refusal must leave both as they were). */
async function programState(): Promise<{ currency: string; versions: number; newest: string | undefined }> {
  const versions = await hub.store.programVersions(1);
  return { currency: (await hub.store.shop(1))!.program.currency, versions: versions.length, newest: versions.at(-1)?.document.currency };
}

describe('a program in another currency than the shop’s', () => {
  it('PUT /owner/program: refused with 409 saying what to do, nothing changed; accepted once the settings say HUF; then the currency stays', async () => {
    // A shop nobody has configured counts in its start-up program's currency.
    const before = await programState();
    expect(before).toEqual({ currency: 'PLN', versions: 1, newest: 'PLN' });
    const refused = await putProgram(programIn('HUF', { name: 'Forint' }));
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatch(/^program refused, nothing changed: it counts in HUF; the shop counts in PLN \(its settings\)/);
    expect(refused.json.error).toContain('"currency": "PLN"');
    expect(refused.json.error).toContain('POST /owner/settings');
    expect(refused.json.issues).toEqual([{ path: 'currency', message: expect.stringContaining('the shop counts in PLN') as string }]);
    expect(await programState()).toEqual(before);
    expect(
      ((await (await fetch(`${hub.url}/owner/program`, { headers: { authorization: `Bearer ${hub.ownerToken}` } })).json()) as { name: string }).name,
    ).not.toBe('Forint');

    // The supported way: the shop's settings (nothing is published yet, so the currency may change there).
    await saveShopSettings(hub, HUNGARIAN);
    // Now a złoty program is the stranger.
    const zloty = await putProgram(programIn('PLN'));
    expect([zloty.status, zloty.json.issues?.[0]?.path]).toEqual([409, 'currency']);
    expect(zloty.json.error).toMatch(/it counts in PLN; the shop counts in HUF/);
    expect(await programState()).toEqual(before);

    const forint = await putProgram(programIn('HUF', { locale: 'hu', timeZone: 'Europe/Budapest' }));
    expect(forint.status).toBe(200);
    expect(await programState()).toEqual({ currency: 'HUF', versions: 2, newest: 'HUF' });

    // Published: the settings keep the currency (409), and the program route says the currency stays.
    const settingsBack = await fetch(`${hub.url}/owner/settings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Pékség', country: 'PL', currency: 'PLN', locale: 'pl', timeZone: 'Europe/Warsaw', languages: 'pl' }).toString(),
    });
    expect(settingsBack.status).toBe(409);
    const locked = await putProgram(programIn('PLN', { locale: 'hu', timeZone: 'Europe/Budapest' }));
    expect(locked.status).toBe(409);
    expect(locked.json.error).toContain('keeps it while a published program counts in it: send the program with "currency": "HUF"');
    expect(locked.json.error).not.toContain('/owner/settings');
    expect(await programState()).toEqual({ currency: 'HUF', versions: 2, newest: 'HUF' });
    // A bad document is still a 400 with its field paths, before any currency question.
    expect((await putProgram({ ...programIn('PLN'), rules: 'none' })).status).toBe(400);
  });

  it('the editor publishes in the currency the Settings page chose (no wizard): forint amounts, the shop’s language and zone', async () => {
    await saveShopSettings(hub, HUNGARIAN);
    // The form's amounts are read in the shop's currency: 500 Ft is 50000 minor units.
    const res = await publishFromEditor({ name: 'Pékség', maxSale: '500' });
    expect(res.status, await res.clone().text()).toBe(303);
    const newest = (await hub.store.programVersions(1)).at(-1)!.document;
    expect([newest.name, newest.currency, newest.locale, newest.timeZone, newest.maxSale]).toEqual(['Pékség', 'HUF', 'hu', 'Europe/Budapest', 50000]);
  });

  it('the wizard’s template for Hungary is a forint draft the editor publishes', async () => {
    const wizard = await fetch(`${hub.url}/owner/welcome`, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: `Bearer ${hub.ownerToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...HUNGARIAN, languages: 'hu', locationName: 'Híd utca', locationAddress: '', template: 'bakery' }).toString(),
    });
    expect([wizard.status, wizard.headers.get('location')]).toEqual([303, '/owner/program/edit?draft=1']);
    expect((await publishFromEditor({})).status).toBe(303);
    expect(await programState()).toEqual({ currency: 'HUF', versions: 2, newest: 'HUF' });
  });

  it('the editor, under a program published in another currency before this check: 409 in the owner’s language; the settings can follow it, then it publishes', async () => {
    // What a hub that took a forint program over the API before this check holds: settings in złoty, the program in forint.
    await saveShopSettings(hub);
    await hub.store.publishProgram(1, loadProgram(JSON.stringify(programIn('HUF'))), new Date().toISOString(), new Date());
    // (Reading the versions puts the one in effect now in the shop's copy.)
    await fetch(`${hub.url}/owner/program/versions`, { headers: { authorization: `Bearer ${hub.ownerToken}` } });
    const before = await programState();
    expect(before).toEqual({ currency: 'HUF', versions: 2, newest: 'HUF' });
    for (const language of ['pl', 'hu', 'de'] as const) {
      const res = await publishFromEditor({ name: 'Nowa nazwa' }, language);
      const html = await res.text();
      expect(res.status, language).toBe(409);
      const message = formatMessage(programMessages, language, 'form.currencyDiffers', { programCurrency: 'HUF', shopCurrency: 'PLN' });
      expect(html, language).toContain(escapeHtml(message));
      expect(html).toContain('id="refused"');
    }
    expect(await programState()).toEqual(before);
    // What the message says to do: the shop's currency under Settings (the published program counts in forint, so that is allowed).
    await saveShopSettings(hub, HUNGARIAN);
    expect((await publishFromEditor({ name: 'Nowa nazwa' })).status).toBe(303);
    expect((await hub.store.programVersions(1)).at(-1)!.document).toMatchObject({ name: 'Nowa nazwa', currency: 'HUF' });
  });
});

describe('a program in a language the shop does not offer, or in another time zone', () => {
  it('PUT /owner/program: 409 naming each, what to send and where the settings change, nothing changed; one of the shop’s languages is accepted', async () => {
    await saveShopSettings(hub, { languages: ['pl', 'de'] });
    const before = await programState();
    const versions = (await hub.store.programVersions(1)).length;
    const refused = await putProgram(programIn('PLN', { name: 'Magyar', locale: 'hu', timeZone: 'Europe/Budapest' }));
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ code: 'program-differs-from-settings' });
    expect(refused.json.error).toMatch(
      /^program refused, nothing changed: it speaks hu; the shop offers pl, de \(its settings\): send the program with "locale": "pl"/,
    );
    expect(refused.json.error).toContain(
      'it keeps time in Europe/Budapest; the shop\'s time zone is Europe/Warsaw (its settings): send the program with "timeZone": "Europe/Warsaw"',
    );
    expect(refused.json.issues?.map((i) => i.path)).toEqual(['locale', 'timeZone']);
    expect(refused.json.issues?.[0]?.message).toContain("add hu to the shop's languages in its settings (the Settings page, or POST /owner/settings)");
    expect(await programState()).toEqual(before);
    expect((await hub.store.programVersions(1)).length).toBe(versions);
    // The zone alone.
    const zone = await putProgram(programIn('PLN', { timeZone: 'Europe/Berlin' }));
    expect([zone.status, zone.json.issues?.map((i) => i.path)]).toEqual([409, ['timeZone']]);
    // A language the shop offers, in its zone: published.
    const german = await putProgram(programIn('PLN', { name: 'Deutsch', locale: 'de' }));
    expect(german.status, JSON.stringify(german.json)).toBe(200);
    expect((await hub.store.programVersions(1)).at(-1)!.document).toMatchObject({ name: 'Deutsch', locale: 'de', timeZone: 'Europe/Warsaw' });
  });

  it('the editor takes language and zone from the settings: under a program published in another zone before this check, it publishes in the shop’s', async () => {
    await saveShopSettings(hub, { timeZone: 'Europe/Vienna', languages: ['pl', 'en'] });
    // What a hub that took a program over the API before this check may hold: another language and zone than its settings.
    await hub.store.publishProgram(
      1,
      loadProgram(JSON.stringify(programIn('PLN', { locale: 'hu', timeZone: 'Europe/Budapest' }))),
      new Date().toISOString(),
      new Date(),
    );
    const res = await publishFromEditor({ name: 'Z edytora' });
    expect(res.status, await res.clone().text()).toBe(303);
    expect((await hub.store.programVersions(1)).at(-1)!.document).toMatchObject({
      name: 'Z edytora',
      currency: 'PLN',
      locale: 'pl',
      timeZone: 'Europe/Vienna',
    });
  });
});
