// Codes by text message: the real hub sends through its SMSAPI adapter to a local HTTP stand-in of
// api.smsapi.pl/sms.do that checks the exact request (bearer token, form fields) and answers as SMSAPI does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import { saleClaimUrl } from '../../main/sync/claims';
import type { KioskCredentials } from '../../core/sync-protocol';
import { clockStartingAt, nextWednesdayMorning } from '../support/dates';
import { pairedKiosk, Phone, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

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
      res.writeHead(200, { 'content-type': 'application/json' });
      if (form.get('to') === '48600000013') res.end(JSON.stringify({ error: 13, message: 'No correct phone numbers' }));
      else res.end(JSON.stringify({ count: 1, list: [{ id: String(requests.length), points: 0.16, number: form.get('to'), status: 'QUEUE' }] }));
    });
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', () => resolve()));
  tmp = tempDir('hub-sms');
  hub = await testHub(tmp.dir, {
    now,
    smsapiToken: 'test-token',
    smsapiFrom: 'Kawiarnia',
    maxFailuresPerMinute: 1000,
    messageWorker: { pollMs: 100 },
    smsapiUrl: `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/sms.do`,
  });
  creds = await pairedKiosk(hub);
});

afterAll(async () => {
  await hub?.close();
  await new Promise<void>((resolve) => standIn?.close(() => resolve()));
  tmp?.remove();
});

describe('one-time codes by SMS (SMSAPI)', () => {
  it('opens the card on a new phone with a code sent as SMSAPI documents it', async () => {
    const url = saleClaimUrl(creds, hub.url, { saleNo: 1, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
    expect((await new Phone().join(url, '+48 600 100 200', 'Ola')).status).toBe(303);
    // A member who joined with a phone only gets the code that proves the number (their welcome bonus waits for it), no welcome text.
    await until(() => requests.length === 1, 'the join code by SMS');
    expect(requests[0]!.form.get('message')).toMatch(/^Twój kod do Kawiarnia Anna to \d{6}\./);
    await hub.messaging.drain();
    expect(requests).toHaveLength(1);

    const phone = new Phone('pl-PL');
    expect((await phone.post(`${hub.url}/m/open`, { contact: '+48 600-100-200' })).status).toBe(200);
    await until(() => requests.length === 2, 'the code by SMS');
    const sent = requests[1]!;
    expect(sent).toMatchObject({ method: 'POST', path: '/sms.do', authorization: 'Bearer test-token', contentType: 'application/x-www-form-urlencoded' });
    expect([...sent.form.keys()].sort()).toEqual(['encoding', 'format', 'from', 'message', 'to']);
    expect(Object.fromEntries([...sent.form].filter(([k]) => k !== 'message'))).toEqual({
      to: '48600100200',
      from: 'Kawiarnia',
      format: 'json',
      encoding: 'utf-8',
    });
    const code = /^Twój kod do Kawiarnia Anna to (\d{6})\. Jest ważny 10 minut\./.exec(sent.form.get('message') ?? '')?.[1];
    expect(code).toBeDefined();

    const opened = await phone.post(`${hub.url}/m/open/code`, { contact: '+48600100200', code: code! });
    expect(opened.status).toBe(303);
    expect((await phone.get(`${hub.url}/m`)).status).toBe(200);
    // The code proved her number: the welcome bonus held at join is paid (18 + 50).
    expect((await phone.get(`${hub.url}/m`)).text).toMatch(/id="balance">68</);
  });

  it("marks a message SMSAPI refuses as failed, with SMSAPI's words", async () => {
    const url = saleClaimUrl(creds, hub.url, { saleNo: 2, points: 18, stamps: 1, total: { amount: 1840, currency: 'PLN' } }, now()).url;
    expect((await new Phone().join(url, '+48 600 000 013', 'Iza')).status).toBe(303);
    expect((await new Phone('en-GB').post(`${hub.url}/m/open`, { contact: '+48600000013' })).status).toBe(200);
    const member = (await hub.store.memberByContact(creds.shopNo, { phone: '+48600000013', email: null }))!;
    await until(async () => (await hub.messaging.store.messagesOf(member.id)).some((m) => m.state === 'failed'), 'the refusal');
    const [message] = await hub.messaging.store.messagesOf(member.id);
    expect(message).toMatchObject({
      channel: 'sms',
      purpose: 'code',
      state: 'failed',
      reason: 'SMSAPI refused the message (error 13): No correct phone numbers',
    });
  });
});
