import { smsLength } from './sms-length';

/** Text messages leaving the hub: a small sender interface, its SMSAPI (smsapi.pl) and Twilio adapters, and the choice between them. */

export interface SmsSender {
  /** For the start-up log. */
  readonly where: string;
  /** Resolves once the provider accepted the message; rejects with an SmsError otherwise. */
  send(to: string, text: string): Promise<void>;
}

/** `permanent`: the provider refused this message (bad number, bad token, too long): sending again will not help. */
export class SmsError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** The longest text the hub sends (SMSAPI refuses more than 918 GSM-7 characters = 6 parts; a code needs one). */
const MAX_PARTS = 6;

export const SMSAPI_URL = 'https://api.smsapi.pl/sms.do';

/**
 * SMSAPI's `sms.do` (documented form fields to, message, from, format=json, encoding=utf-8; bearer
 * token). It answers 200 with `{"count":1,"list":[…]}` when it accepted the message, or with
 * `{"error":<code>,"message":"…"}` when it refused it.
 */
export function smsapiSender(options: { token: string; from?: string | undefined; url?: string; fetch?: typeof fetch }): SmsSender {
  const url = options.url ?? SMSAPI_URL;
  const doFetch = options.fetch ?? fetch;
  return {
    where: `SMSAPI ${new URL(url).host}${options.from ? ` as ${options.from}` : ''}`,
    async send(to, text) {
      const length = smsLength(text);
      if (length.parts > MAX_PARTS) throw new SmsError(`text of ${length.units} ${length.encoding} units is over ${MAX_PARTS} parts`, true);
      const form = new URLSearchParams({ to: to.replace(/^\+/, ''), message: text, format: 'json', encoding: 'utf-8' });
      if (options.from) form.set('from', options.from);
      const { res, body, json } = await postForm(doFetch, 'SMSAPI', url, form, { authorization: `Bearer ${options.token}` });
      const answer = json as { error?: unknown; message?: unknown; count?: unknown };
      if (answer.error !== undefined) throw new SmsError(`SMSAPI refused the message (error ${String(answer.error)}): ${String(answer.message ?? '')}`, true);
      if (res.status !== 200 || !(Number(answer.count) >= 1)) throw new SmsError(`SMSAPI answered ${res.status}: ${body.slice(0, 200)}`, res.status >= 400);
    },
  };
}

export const TWILIO_API = 'https://api.twilio.com';

/**
 * Twilio's Programmable Messaging, as its public API reference documents it ("Message resource":
 * https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth with the Account SID and
 * Auth Token, form-encoded `To` (E.164, with its +), `Body`, and either `From` (a Twilio number or an
 * alphanumeric sender ID) or `MessagingServiceSid` (an `MG…` id). It answers 201 Created with the new
 * message (`sid`, `status`) when it accepted it, and a 4xx with `{"code":…,"message":…,"more_info":…,
 * "status":…}` when it refused it (e.g. 21211 invalid 'To' number); 429 and 5xx are worth a retry.
 */
export function twilioSender(options: { accountSid: string; authToken: string; from: string; baseUrl?: string; fetch?: typeof fetch }): SmsSender {
  const base = (options.baseUrl ?? TWILIO_API).replace(/\/+$/, '');
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const doFetch = options.fetch ?? fetch;
  const auth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  // A Messaging Service picks its own sender; anything else is a number or an alphanumeric sender ID.
  const sender: [string, string] = /^MG[0-9a-f]{32}$/i.test(options.from) ? ['MessagingServiceSid', options.from] : ['From', options.from];
  return {
    where: `Twilio ${new URL(base).host} as ${options.from}`,
    async send(to, text) {
      const length = smsLength(text);
      if (length.parts > MAX_PARTS) throw new SmsError(`text of ${length.units} ${length.encoding} units is over ${MAX_PARTS} parts`, true);
      const form = new URLSearchParams({ To: to.startsWith('+') ? to : `+${to}`, Body: text });
      form.set(...sender);
      const { res, body, json } = await postForm(doFetch, 'Twilio', url, form, { authorization: auth, accept: 'application/json' });
      const answer = json as { sid?: unknown; code?: unknown; message?: unknown };
      if (res.status >= 400)
        throw new SmsError(`Twilio refused the message (error ${String(answer.code ?? res.status)}): ${String(answer.message ?? '')}`, true);
      if (typeof answer.sid !== 'string') throw new SmsError(`Twilio answered ${res.status} without a message sid: ${body.slice(0, 200)}`, false);
    },
  };
}

/**
 * The SMS sender the variables name (SMS_PROVIDER=smsapi|twilio; unset: the one whose credentials are
 * set), or undefined when none is configured. Both configured without SMS_PROVIDER, or a provider
 * named without its credentials, is an error the hub stops on: it would otherwise send through a
 * provider the owner did not mean.
 */
export function smsSenderFromSettings(s: {
  provider?: string | undefined;
  smsapiToken?: string | undefined;
  smsapiFrom?: string | undefined;
  smsapiUrl?: string | undefined;
  twilioAccountSid?: string | undefined;
  twilioAuthToken?: string | undefined;
  twilioFrom?: string | undefined;
  twilioUrl?: string | undefined;
}): SmsSender | undefined {
  const twilio = Boolean(s.twilioAccountSid || s.twilioAuthToken || s.twilioFrom);
  const provider = s.provider || (s.smsapiToken && twilio ? 'both' : s.smsapiToken ? 'smsapi' : twilio ? 'twilio' : undefined);
  if (provider === undefined) return undefined;
  if (provider === 'both') throw new Error('SMSAPI_TOKEN and TWILIO_* are both set: say which to use with SMS_PROVIDER=smsapi or SMS_PROVIDER=twilio');
  if (provider === 'smsapi') {
    if (!s.smsapiToken) throw new Error('SMS_PROVIDER=smsapi needs SMSAPI_TOKEN');
    return smsapiSender({ token: s.smsapiToken, from: s.smsapiFrom, ...(s.smsapiUrl ? { url: s.smsapiUrl } : {}) });
  }
  if (provider === 'twilio') {
    if (!s.twilioAccountSid || !s.twilioAuthToken || !s.twilioFrom)
      throw new Error('Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (a number, a sender ID or a Messaging Service MG… id)');
    return twilioSender({ accountSid: s.twilioAccountSid, authToken: s.twilioAuthToken, from: s.twilioFrom, ...(s.twilioUrl ? { baseUrl: s.twilioUrl } : {}) });
  }
  throw new Error(`SMS_PROVIDER must be smsapi or twilio, got ${provider}`);
}

/**
 * Posts a provider's form and reads its JSON answer; what cannot be reached, 5xx and 429 are worth a
 * retry (SmsError permanent = false), a 4xx without JSON is not.
 */
async function postForm(
  doFetch: typeof fetch,
  provider: string,
  url: string,
  form: URLSearchParams,
  headers: Record<string, string>,
): Promise<{ res: Response; body: string; json: unknown }> {
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      body: form.toString(),
      signal: AbortSignal.timeout(15_000),
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    });
  } catch (error) {
    throw new SmsError(`${provider} unreachable: ${error instanceof Error ? error.message : String(error)}`, false);
  }
  const body = await res.text();
  if (res.status >= 500 || res.status === 429) throw new SmsError(`${provider} answered ${res.status}: ${body.slice(0, 200)}`, false);
  try {
    return { res, body, json: JSON.parse(body) as unknown };
  } catch {
    throw new SmsError(`${provider} answered ${res.status} with no JSON: ${body.slice(0, 200)}`, res.status >= 400);
  }
}
