// What the back office shows a person when the hub refuses: the program editor's form and the
// accounts page's API-key forms are pages, so a sign-in that ended or an expired form is said in the
// owner's language (a page, not English JSON); the editor's preview script reads JSON and shows its
// `error`, which comes in the owner's language with a stable `code`; a script's answers keep their
// English words and carry a `code`. Real hub on loopback, real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { escapeHtml } from '../../cloud/pages';
import { ownerAccountMessages } from '../../core/i18n/accounts';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages } from '../../core/i18n/claim';
import type { Locale } from '../../core/i18n/locales';
import { ownerDataMessages } from '../../core/i18n/owner-data';
import { ownerSessionCookie, tempDir, testHub } from '../support/hub-harness';

let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let cookie: string;

beforeAll(async () => {
  tmp = tempDir('sec-refusal-language');
  hub = await testHub(tmp.dir);
  cookie = await ownerSessionCookie(hub);
});

afterAll(async () => {
  await hub?.close();
  tmp?.remove();
});

const signInRequired = (locale: Locale): string => formatMessage(ownerAccountMessages, locale, 'signInRequired');
const formExpired = (locale: Locale): string => formatMessage(ownerDataMessages, locale, 'error.csrf');

/** A form as the browser posts it: urlencoded, the page's language, no JSON asked for. */
async function postForm(
  path: string,
  fields: Record<string, string>,
  language: Locale,
  withCookie?: string,
): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${hub.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
      'accept-language': language,
      ...(withCookie ? { cookie: withCookie } : {}),
    },
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('the back office’s forms: refusals are pages in the owner’s language', () => {
  it('the editor’s Publish after the sign-in ended: 401, a page saying so in Hungarian, nothing published', async () => {
    const versions = (await hub.store.programVersions(1)).length;
    const answer = await postForm('/owner/program/publish', { name: 'Új név' }, 'hu');
    expect([answer.status, answer.type]).toEqual([401, 'text/html; charset=utf-8']);
    expect(answer.text).toContain(escapeHtml(signInRequired('hu')));
    expect(answer.text).toContain('href="/owner/login"');
    expect(answer.text).not.toContain('owner sign-in required');
    expect((await hub.store.programVersions(1)).length).toBe(versions);
  });

  it('the editor’s Publish with an expired form token: 403, a page in German', async () => {
    const answer = await postForm('/owner/program/publish', { csrf: 'stale', name: 'Neu' }, 'de', cookie);
    expect([answer.status, answer.type]).toEqual([403, 'text/html; charset=utf-8']);
    expect(answer.text).toContain(escapeHtml(formExpired('de')));
  });

  it('the accounts page’s API-key forms with an expired form token: 403, a page in Polish; no key made', async () => {
    const made = await postForm('/owner/api-keys', { csrf: 'stale', name: 'kasa' }, 'pl', cookie);
    expect([made.status, made.type]).toEqual([403, 'text/html; charset=utf-8']);
    expect(made.text).toContain(escapeHtml(formExpired('pl')));
    expect(await hub.store.db.selectFrom('owner_api_keys').select('id').execute()).toEqual([]);
    const revoked = await postForm('/owner/api-keys/0123456789ab/revoke', {}, 'cs');
    expect([revoked.status, revoked.type]).toEqual([401, 'text/html; charset=utf-8']);
    expect(revoked.text).toContain(escapeHtml(signInRequired('cs')));
  });

  it('a mistyped address under the editor: a page in Slovak, not JSON', async () => {
    const res = await fetch(`${hub.url}/owner/program/edti`, { headers: { cookie, 'accept-language': 'sk' } });
    expect([res.status, res.headers.get('content-type')]).toEqual([404, 'text/html; charset=utf-8']);
    expect(await res.text()).toContain(escapeHtml(formatMessage(claimMessages, 'sk', 'notFound')));
  });
});

describe('the editor’s preview script: JSON refusals in the owner’s language, with a code', () => {
  const preview = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${hub.url}/owner/program/preview`, {
      method: 'POST',
      body: JSON.stringify({ fields: [] }),
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('the sign-in ended: 401 {error in Czech, code sign-in-required}, the English hint for a script beside it', async () => {
    const res = await preview({ 'accept-language': 'cs-CZ,cs;q=0.9' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: signInRequired('cs'),
      code: 'sign-in-required',
      detail: 'owner sign-in required, or the owner token or an API key as bearer in the Authorization header',
    });
  });

  it('the page’s token expired: 403 {error in Hungarian, code csrf}', async () => {
    const res = await preview({ 'accept-language': 'hu', cookie, 'x-csrf-token': 'stale' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: formExpired('hu'), code: 'csrf' });
  });
});

describe('scripts: English words, a stable code', () => {
  const bearer = { authorization: '' };
  beforeAll(() => {
    bearer.authorization = `Bearer ${hub.ownerToken}`;
  });

  it('a bad program, bad settings, a bad key name and a mistyped JSON address each carry their code', async () => {
    const program = await fetch(`${hub.url}/owner/program`, { method: 'PUT', body: JSON.stringify({ rules: 'none' }), headers: bearer });
    expect([program.status, await program.json()]).toMatchObject([400, { error: 'program refused, nothing changed', code: 'program-invalid' }]);
    const settings = await fetch(`${hub.url}/owner/settings`, {
      method: 'POST',
      body: 'name=',
      headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([settings.status, await settings.json()]).toMatchObject([400, { error: 'settings refused, nothing saved', code: 'settings-invalid' }]);
    const key = await fetch(`${hub.url}/owner/api-keys`, {
      method: 'POST',
      body: 'name=',
      headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([key.status, await key.json()]).toEqual([400, { error: 'a key needs a name', code: 'key-name-empty' }]);
    const missing = await fetch(`${hub.url}/v1/nothing-here`);
    expect([missing.status, await missing.json()]).toEqual([404, { error: 'not found', code: 'not-found' }]);
    // The API keys' list is JSON for a signed-out script too.
    const list = await fetch(`${hub.url}/owner/api-keys`);
    expect([list.status, ((await list.json()) as { code?: string }).code]).toEqual([401, 'sign-in-required']);
  });
});
