// Codes by text message through Twilio: the real hub sends through its Twilio adapter to a local HTTP
// stand-in of api.twilio.com that checks the exact request Twilio's API reference documents for
// creating a Message (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic auth AccountSid:AuthToken, form
// fields To (E.164), From, Body; 201 with the message's sid, or 4xx with Twilio's error object.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { smsSenderFromSettings } from '../../cloud/sms';
import type { KioskCredentials } from '../../core/sync-protocol';
import { saleClaimUrl } from '../../main/sync/claims';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token';

interface SmsRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams;
}

const now = clockStartingAt(nextWednesdayMorning(new Date()));
let tmp: ReturnType<typeof tempDir>;
let hub: Hub;
let creds: KioskCredentials;
let standIn: Server;
let base: string;
const requests: SmsRequest[] = [];

beforeAll(async () => {
  standIn = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        form,
      });
      res.setHeader('content-type', 'application/json');
      const basic = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
      if (req.headers.authorization !== basic) {
        res.writeHead(401).end(JSON.stringify({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }));
      } else if (form.get('To') === '+48600000013') {
        res.writeHead(400).end(
          JSON.stringify({
            code: 21211,
            message: "Invalid 'To' Phone Number: +48600000013",
            more_info: 'https://www.twilio.com/docs/errors/21211',
            status: 400,
          }),
        );
      } else {
        res
          .writeHead(201)
          .end(JSON.stringify({ sid: `SM${String(requests.length).padStart(32, '0')}`, status: 'queued', to: form.get('To'), body: form.get('Body') }));
      }
    });
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  tmp = tempDir('hub-twilio');
  hub = await testHub(tmp.dir, {
    now,
    twilioAccountSid: SID,
    twilioAuthToken: TOKEN,
    twilioFrom: 'Kawiarnia',
    twilioUrl: base,
    maxFailuresPerMinute: 1000,
    messageWorker: { pollMs: 100 },
  });
  creds = await pairedKiosk(hub);
});

afterAll(async () => {
  await hub?.close();
  await new Promise<void>((resolve) => standIn?.close(() => resolve()));
  tmp?.remove();
});

describe('one-time codes by SMS (Twilio)', () => {
  it('opens the card on a new phone with a code sent as Twilio documents it', async () => {
    const url = saleClaimUrl(creds, hub.url, { saleNo: 1, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
    expect((await new Phone().join(url, '+48 600 100 200', 'Ola')).status).toBe(303);
    // The join sent its own code to prove the new number (cloud/join-verification.ts); this phone opens the card with the next one.
    await until(() => requests.length === 1, 'the join code by SMS');
    const phone = new Phone('cs-CZ');
    expect((await phone.post(`${hub.url}/m/open`, { contact: '+48 600-100-200' })).status).toBe(200);
    await until(() => requests.length === 2, 'the code by SMS');
    const sent = requests[1]!;
    expect(sent).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${SID}/Messages.json`,
      authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect([...sent.form.keys()].sort()).toEqual(['Body', 'From', 'To']);
    expect(sent.form.get('To')).toBe('+48600100200');
    expect(sent.form.get('From')).toBe('Kawiarnia');
    // In the language of the page that asked, accents kept (UCS-2).
    const code = /(\d{6})/.exec(sent.form.get('Body') ?? '')?.[1];
    expect(sent.form.get('Body')).toContain('Kawiarnia Anna');
    expect(code).toBeDefined();
    expect((await phone.post(`${hub.url}/m/open/code`, { contact: '+48600100200', code: code! })).status).toBe(303);
    const member = (await hub.store.memberByContact(creds.shopNo, { phone: '+48600100200', email: null }))!;
    await until(async () => (await hub.messaging.store.messagesOf(member.id)).every((m) => m.state === 'sent'), 'marked sent');
  });

  it("marks a message Twilio refuses as failed, with Twilio's code and words", async () => {
    const url = saleClaimUrl(creds, hub.url, { saleNo: 2, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
    expect((await new Phone().join(url, '+48 600 000 013', 'Iza')).status).toBe(303);
    expect((await new Phone('en-GB').post(`${hub.url}/m/open`, { contact: '+48600000013' })).status).toBe(200);
    const member = (await hub.store.memberByContact(creds.shopNo, { phone: '+48600000013', email: null }))!;
    await until(async () => (await hub.messaging.store.messagesOf(member.id)).some((m) => m.state === 'failed'), 'the refusal');
    const [message] = await hub.messaging.store.messagesOf(member.id);
    expect(message).toMatchObject({
      channel: 'sms',
      state: 'failed',
      reason: "Twilio refused the message (error 21211): Invalid 'To' Phone Number: +48600000013",
    });
  });

  it('a Messaging Service id goes as MessagingServiceSid; a wrong token is a refusal, not a retry', async () => {
    const service = smsSenderFromSettings({ twilioAccountSid: SID, twilioAuthToken: TOKEN, twilioFrom: `MG${'a'.repeat(32)}`, twilioUrl: base })!;
    await service.send('+420601100200', 'Ahoj');
    // Codes sent by the joins above may still land meanwhile: the request to this number is the one to read.
    const last = requests.filter((r) => r.form.get('To') === '+420601100200').at(-1)!;
    expect(Object.fromEntries(last.form)).toEqual({ To: '+420601100200', Body: 'Ahoj', MessagingServiceSid: `MG${'a'.repeat(32)}` });
    const wrong = smsSenderFromSettings({ twilioAccountSid: SID, twilioAuthToken: 'wrong', twilioFrom: 'Kawiarnia', twilioUrl: base })!;
    await expect(wrong.send('+420601100200', 'Ahoj')).rejects.toMatchObject({
      permanent: true,
      message: 'Twilio refused the message (error 20003): Authenticate',
    });
  });
});

describe('choosing the SMS provider by variables', () => {
  it('picks the one configured, refuses two without SMS_PROVIDER, a named one without its credentials, or an unknown one', () => {
    expect(smsSenderFromSettings({})).toBeUndefined();
    expect(smsSenderFromSettings({ smsapiToken: 't' })!.where).toBe('SMSAPI api.smsapi.pl');
    expect(smsSenderFromSettings({ twilioAccountSid: SID, twilioAuthToken: TOKEN, twilioFrom: '+48500100200' })!.where).toBe(
      'Twilio api.twilio.com as +48500100200',
    );
    const both = { smsapiToken: 't', twilioAccountSid: SID, twilioAuthToken: TOKEN, twilioFrom: 'Kawiarnia' };
    expect(() => smsSenderFromSettings(both)).toThrow(/SMS_PROVIDER=smsapi or SMS_PROVIDER=twilio/);
    expect(smsSenderFromSettings({ ...both, provider: 'twilio' })!.where).toContain('Twilio');
    expect(smsSenderFromSettings({ ...both, provider: 'smsapi' })!.where).toContain('SMSAPI');
    expect(() => smsSenderFromSettings({ twilioAccountSid: SID, twilioAuthToken: TOKEN })).toThrow(/TWILIO_FROM/);
    expect(() => smsSenderFromSettings({ provider: 'smsapi' })).toThrow(/SMSAPI_TOKEN/);
    expect(() => smsSenderFromSettings({ provider: 'vonage', smsapiToken: 't' })).toThrow(/smsapi or twilio, got vonage/);
  });
});
