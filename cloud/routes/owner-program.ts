import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatInstant } from '../../core/i18n/dates';
import { pickLocale } from '../../core/i18n/locales';
import { programMessages } from '../../core/i18n/program';
import { formatMessage } from '../../core/i18n/catalog';
import { localTime, zonedInstant } from '../../core/program/clock';
import { defaultSampleFields, programFromForm, samplesFromForm } from '../../core/program/form';
import { previewSales } from '../../core/program/preview';
import type { ProgramIssue } from '../../core/program/schema';
import { publicationStart } from '../../core/program/versions';
import { programForShop, programInShopLanguage } from '../../core/shop-settings';
import { pagePolicy } from '../pages';
import { programEditorPage } from '../program-pages';
import { MAX_PROGRAM_BYTES } from './app';
import { field, seeOther, sendPage, type HubHttpContext } from './context';
import { jsonText } from './health';

/**
 * The owner's program editor: `GET /owner/program/edit` (the form, with a live preview),
 * `POST /owner/program/preview` (JSON: what sample sales would earn), `POST /owner/program/publish`
 * (the form: a new version from now or a chosen time), `GET /owner/program/versions` (JSON). Owner
 * routes: the guard hooks check the session or bearer token and the CSRF token of every POST.
 */

/** The date part of the editor's "publish from" (YYYY-MM-DD), the preview's first day; undefined when empty or unreadable. */
function publishDate(fields: readonly (readonly [string, string])[]): string | undefined {
  const value = fields.find(([name]) => name === 'publish.from')?.[1] ?? '';
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? value.slice(0, 10) : undefined;
}

/** The program page's script fetches its preview: the CSP allows that one connection to this origin. */
const EDITOR_CSP = pagePolicy({ fetchFromHub: true });

const previewBody = jsonText(
  z.object({
    fields: z
      .array(z.unknown())
      .transform((list) =>
        list.filter((f): f is [string, string] => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string'),
      ),
  }),
  '{"fields": [["name", "value"], ...]}',
);

/** The editor's form keeps its fields in order, repeated names included: read here as pairs, not as an object. */
interface EditorForm {
  csrf: string | undefined;
  fields: [string, string][];
}

export const ownerProgramRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const { store } = ctx;
  // This plugin's own reading of urlencoded forms (its routes only): the fields as posted, in order.
  app.removeContentTypeParser('application/x-www-form-urlencoded');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const params = new URLSearchParams(body as string);
    done(null, { csrf: params.get('csrf') ?? undefined, fields: [...params].filter(([name]) => name !== 'csrf') } satisfies EditorForm);
  });

  /** The newest version (a scheduled one included), so edits build on it, with its zone and today there. */
  async function latest() {
    await ctx.applyDueProgram();
    const versions = await store.programVersions(ctx.shop.no);
    // Before the first publication the wizard's draft, if the owner made one, else the start-up program counting
    // and speaking as the shop's settings say (a currency chosen on the Settings page holds for the first version too).
    // Once one is published, the newest speaking the shop's language in its time zone (the settings are their home,
    // and the hub refuses a program that differs from them), its currency kept: one that differs is said, not changed.
    const draft = await ctx.programDraft();
    const newest = versions.at(-1)?.document ?? (await store.shop(ctx.shop.no))!.program;
    const { settings } = await ctx.settings();
    const program = draft ?? ((await ctx.publishedVersions()) > 0 ? programInShopLanguage(newest, settings) : programForShop(newest, settings));
    return { versions, program, draft: draft !== undefined, zone: program.timeZone, today: localTime(ctx.now(), program.timeZone).date };
  }

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    extra: {
      values?: Map<string, string[]>;
      errors?: ProgramIssue[];
      fields?: [string, string][];
      published?: { version: number; from: string };
      publishFrom?: string;
    },
  ): Promise<FastifyReply> {
    const locale = pickLocale(request.headers['accept-language']);
    const { program, today, draft } = await latest();
    const samples = samplesFromForm(program, extra.fields ?? defaultSampleFields(program));
    const preview = previewSales(program, samples, { locale, fromDate: today }).map((line, i) => ({ ...line, row: samples[i]!.row }));
    reply.header('content-security-policy', EDITOR_CSP);
    return sendPage(
      reply,
      status,
      programEditorPage({
        locale,
        timeZone: (await ctx.settings()).settings.timeZone,
        program,
        preview,
        versions: await ctx.versionRows(),
        draft,
        languages: (await ctx.settings()).settings.languages,
        ...(extra.values ? { values: extra.values } : {}),
        ...(extra.errors ? { errors: extra.errors } : {}),
        ...(extra.published ? { published: extra.published } : {}),
        ...(extra.publishFrom ? { publishFrom: extra.publishFrom } : {}),
        frame: request.ownerFrame,
      }),
    );
  }

  app.get('/owner/program/versions', { config: { guard: 'owner' } }, async () => {
    await ctx.applyDueProgram();
    return ctx.versionRows();
  });

  app.get(
    '/owner/program/edit',
    { schema: { querystring: z.looseObject({ published: field }) }, config: { guard: 'owner', ownerPage: true } },
    async (request, reply) => {
      const locale = pickLocale(request.headers['accept-language']);
      const { versions } = await latest();
      const version = versions.find((v) => v.version === Number(request.query.published));
      const from = version ? formatInstant(version.effectiveFrom, locale, (await ctx.settings()).settings.timeZone) : '';
      return render(request, reply, 200, version ? { published: { version: version.version, from } } : {});
    },
  );

  app.post('/owner/program/preview', { schema: { body: previewBody }, bodyLimit: MAX_PROGRAM_BYTES, config: { guard: 'owner' } }, async (request) => {
    const locale = pickLocale(request.headers['accept-language']);
    const { program, today } = await latest();
    const fields = request.body.fields.filter(([name]) => name !== 'csrf');
    const edit = programFromForm(program, fields, locale);
    const samples = edit.ok ? samplesFromForm(edit.program, fields) : [];
    const lines = edit.ok
      ? previewSales(edit.program, samples, { locale, fromDate: publishDate(fields) ?? today }).map((line, i) => ({ ...line, row: samples[i]!.row }))
      : [];
    return { ok: edit.ok, lines, errors: edit.ok ? [] : edit.errors };
  });

  app.post('/owner/program/publish', { bodyLimit: MAX_PROGRAM_BYTES, config: { guard: 'owner' } }, async (request, reply) => {
    const locale = pickLocale(request.headers['accept-language']);
    const { program, zone } = await latest();
    const fields = typeof request.body === 'object' && request.body !== null ? (request.body as EditorForm).fields : [];
    const values = new Map<string, string[]>();
    for (const [name, value] of fields) values.set(name, [...(values.get(name) ?? []), value]);
    const fromText = values.get('publish.from')?.[0] ?? '';
    const errors: ProgramIssue[] = [];
    let effectiveFrom: string | undefined;
    const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(fromText);
    const start = publicationStart(fromText === '' ? undefined : match ? zonedInstant(match[1]!, match[2]!, zone).toISOString() : 'invalid', ctx.now());
    if (start.ok) effectiveFrom = start.effectiveFrom;
    else
      errors.push({
        path: 'publish.from',
        message: formatMessage(programMessages, locale, start.reason === 'past' ? 'form.publishPast' : 'form.publishInvalid'),
      });
    const edit = programFromForm(program, fields, locale);
    if (!edit.ok) errors.push(...edit.errors);
    const sampleFields = fields.some(([name]) => name.startsWith('sample.')) ? fields : defaultSampleFields(program);
    if (!edit.ok || effectiveFrom === undefined) return render(request, reply, 400, { values, errors, fields: sampleFields, publishFrom: fromText });
    const published = await ctx.publishProgram(edit.program, effectiveFrom);
    if (!published.ok) {
      const { settings } = published;
      const errors: ProgramIssue[] = [];
      if (published.misfits.includes('currency'))
        errors.push({
          path: 'currency',
          message: formatMessage(programMessages, locale, 'form.currencyDiffers', { programCurrency: edit.program.currency, shopCurrency: settings.currency }),
        });
      // The language and the zone come from the settings read above: they differ only when the settings changed meanwhile.
      const moved = published.misfits.find((m) => m !== 'currency');
      if (moved) errors.push({ path: moved, message: formatMessage(programMessages, locale, 'form.settingsChanged', { timeZone: settings.timeZone }) });
      return render(request, reply, 409, { values, errors, fields: sampleFields, publishFrom: fromText });
    }
    return seeOther(reply, `/owner/program/edit?published=${published.version}`);
  });
};
