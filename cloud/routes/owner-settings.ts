import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMessage } from '../../core/i18n/catalog';
import { pickLocale, type Locale } from '../../core/i18n/locales';
import { settingsMessages } from '../../core/i18n/settings';
import { TEMPLATES, programTemplate, type TemplateKind } from '../../core/program/templates';
import { COUNTRY_CODES, countrySchema, settingsForCountry, settingsFromForm, type SettingsForm } from '../../core/shop-settings';
import { settingsPage } from '../back-office/settings/settings';
import { wizardPage, wizardStartPage } from '../back-office/settings/wizard';
import { field, form, seeOther, sendPage, type HubHttpContext } from './context';

/**
 * The shop's settings (owner role only; managers get 403):
 *
 * | route | what |
 * |---|---|
 * | `GET /owner/settings` | the Settings page; JSON `{ settings, configured }` for a bearer credential |
 * | `POST /owner/settings` | save (CSRF with a session); sent to every connected kiosk of the shop |
 * | `GET /owner/welcome` | the first-run wizard: name and country, then their defaults |
 * | `POST /owner/welcome` | save the settings and put the chosen template in the program editor as a draft |
 */

/** A repeated form field (checkboxes, location rows) as a list, in the order posted. */
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

const settingsBody = {
  csrf: field,
  name: field,
  country: field,
  currency: field,
  locale: field,
  timeZone: field,
  languages: many,
  locationName: many,
  locationAddress: many,
};

type SettingsBody = { [K in keyof typeof settingsBody]: z.output<(typeof settingsBody)[K]> };

const asForm = (b: SettingsBody): SettingsForm => ({
  name: b.name,
  country: b.country,
  currency: b.currency,
  locale: b.locale,
  timeZone: b.timeZone,
  languages: b.languages,
  locationNames: b.locationName,
  locationAddresses: b.locationAddress,
});

const ownerOnly = { guard: 'owner', role: 'owner' } as const;

export const ownerSettingsRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  const localeOf = (request: FastifyRequest): Locale => pickLocale(request.headers['accept-language']);
  /** A published program holds amounts in the shop's currency, so the currency stays while one exists. */
  const currencyLocked = async (): Promise<boolean> => (await ctx.publishedVersions()) > 0;

  app.get(
    '/owner/settings',
    { schema: { querystring: z.looseObject({ saved: field }) }, config: { ...ownerOnly, ownerPage: true } },
    async (request, reply) => {
      const current = await ctx.settings();
      if (request.ownerAuth?.via === 'token') return { settings: current.settings, configured: current.configured };
      return sendPage(
        reply,
        200,
        settingsPage({
          locale: localeOf(request),
          frame: request.ownerFrame,
          settings: current.settings,
          saved: request.query.saved === '1',
          currencyLocked: await currencyLocked(),
        }),
      );
    },
  );

  app.post('/owner/settings', { schema: { body: form(settingsBody) }, config: ownerOnly }, async (request, reply) => {
    const locale = localeOf(request);
    const parsed = settingsFromForm(asForm(request.body));
    const bearer = request.ownerAuth?.via === 'token';
    if (!parsed.ok) {
      if (bearer) return reply.code(400).send({ error: 'settings refused, nothing saved', code: 'settings-invalid', issues: parsed.errors });
      const shown = { ...(await ctx.settings()).settings, name: request.body.name ?? '' };
      return sendPage(
        reply,
        400,
        settingsPage({ locale, frame: request.ownerFrame, settings: shown, errors: parsed.errors, currencyLocked: await currencyLocked() }),
      );
    }
    const saved = await ctx.saveSettings(parsed.settings, request.ownerAuth!.principal.name);
    if (!saved.ok) {
      const current = (await ctx.settings()).settings;
      const text = formatMessage(settingsMessages, locale, 'currencyLocked', { currency: current.currency });
      if (bearer)
        return reply.code(409).send({ error: `settings refused, nothing saved: the published program counts in ${current.currency}`, code: 'currency-locked' });
      return sendPage(reply, 409, settingsPage({ locale, frame: request.ownerFrame, settings: parsed.settings, refusal: text, currencyLocked: true }));
    }
    if (bearer) return { ok: true, settings: parsed.settings };
    return seeOther(reply, '/owner/settings?saved=1');
  });

  // ---- the first-run wizard ------------------------------------------------------------------------

  const wizardQuery = z.looseObject({ name: field, country: field });
  app.get('/owner/welcome', { schema: { querystring: wizardQuery }, config: { ...ownerOnly, ownerPage: true } }, async (request, reply) => {
    const locale = localeOf(request);
    const current = await ctx.settings();
    const country = countrySchema.safeParse(request.query.country);
    const name = (request.query.name ?? '').trim().slice(0, 80);
    // Step 1 until a name and a country come back from it.
    if (!country.success || name === '')
      return sendPage(reply, 200, wizardStartPage(locale, name || (current.configured ? current.settings.name : ''), current.settings.country));
    const settings = settingsForCountry(country.data, name);
    return sendPage(reply, 200, wizardPage({ locale, csrf: request.ownerFrame.csrf, settings, template: 'cafe', offerTemplate: !(await currencyLocked()) }));
  });

  app.post('/owner/welcome', { schema: { body: form({ ...settingsBody, template: field }) }, config: ownerOnly }, async (request, reply) => {
    const locale = localeOf(request);
    const offerTemplate = !(await currencyLocked());
    const template = (TEMPLATES as readonly string[]).includes(request.body.template ?? '') ? (request.body.template as TemplateKind) : undefined;
    const parsed = settingsFromForm(asForm(request.body));
    const errors = parsed.ok ? [] : [...parsed.errors];
    if (offerTemplate && template === undefined) errors.push({ path: 'template', message: `template is one of ${TEMPLATES.join(', ')}` });
    if (!parsed.ok || errors.length > 0) {
      const country = countrySchema.safeParse(request.body.country);
      const shown = { ...settingsForCountry(country.success ? country.data : COUNTRY_CODES[0]!, request.body.name ?? '') };
      return sendPage(reply, 400, wizardPage({ locale, csrf: request.ownerFrame.csrf, settings: shown, template: template ?? 'cafe', errors, offerTemplate }));
    }
    const settings = parsed.settings;
    // The template is kept as a draft with the settings: kiosks and phones see nothing of it until it is published.
    const draft = offerTemplate && template ? programTemplate(template, settings) : undefined;
    const saved = await ctx.saveSettings(settings, request.ownerAuth!.principal.name, draft);
    if (!saved.ok) return seeOther(reply, '/owner/settings');
    ctx.log(`first-run wizard: ${settings.name}${offerTemplate && template ? `, program template ${template} as a draft` : ''}`);
    return seeOther(reply, offerTemplate ? '/owner/program/edit?draft=1' : '/owner/settings?saved=1');
  });
};
