import { smsLength } from './sms-length';

/** Text messages leaving the hub: a small sender interface and its SMSAPI (smsapi.pl) adapter. */

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
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          body: form.toString(),
          signal: AbortSignal.timeout(15_000),
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/x-www-form-urlencoded' },
        });
      } catch (error) {
        throw new SmsError(`SMSAPI unreachable: ${error instanceof Error ? error.message : String(error)}`, false);
      }
      const body = await res.text();
      if (res.status >= 500 || res.status === 429) throw new SmsError(`SMSAPI answered ${res.status}: ${body.slice(0, 200)}`, false);
      let answer: { error?: unknown; message?: unknown; count?: unknown };
      try {
        answer = JSON.parse(body) as typeof answer;
      } catch {
        throw new SmsError(`SMSAPI answered ${res.status} with no JSON: ${body.slice(0, 200)}`, res.status >= 400);
      }
      if (answer.error !== undefined) throw new SmsError(`SMSAPI refused the message (error ${String(answer.error)}): ${String(answer.message ?? '')}`, true);
      if (res.status !== 200 || !(Number(answer.count) >= 1)) throw new SmsError(`SMSAPI answered ${res.status}: ${body.slice(0, 200)}`, res.status >= 400);
    },
  };
}
