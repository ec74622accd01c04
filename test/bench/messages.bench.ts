// `npm run bench -- messages`: the hub's message outbox sending welcome e-mails to a loopback SMTP
// server (smtp-server), against a baseline from the same run: the same number of mails sent straight
// with nodemailer over a pooled connection to the same server (MESSAGES_BENCH_COUNT, default 500).
// The difference is what the outbox costs per message: render, store, claim with a lease, mark sent.
import nodemailer from 'nodemailer';
import type { Hub } from '../../cloud/hub';
import { testHub, tempDir } from '../support/hub-harness';
import { smtpSink } from '../support/smtp-sink';
import { fmt } from './stats';

const COUNT = Number(process.env.MESSAGES_BENCH_COUNT ?? 500);

export async function run(): Promise<void> {
  const sink = await smtpSink();
  const tmp = tempDir('bench-messages');
  let hub: Hub | undefined;
  try {
    // Baseline: nodemailer alone, one message after the other (as the worker sends).
    const transport = nodemailer.createTransport(`${sink.url}?pool=true`);
    const bareStart = performance.now();
    for (let i = 0; i < COUNT; i++) {
      await transport.sendMail({ from: 'bench@kawiarnia.test', to: `bare${i}@example.com`, subject: `Welcome ${i}`, text: 'Hello', html: '<p>Hello</p>' });
    }
    const bareMs = performance.now() - bareStart;
    transport.close();

    hub = await testHub(tmp.dir, { smtpUrl: sink.url, publicUrl: 'http://kawiarnia.test', messageWorker: { batchSize: 50 } });
    const shopNo = (await hub.store.ensureShop('x', 'y')).no;
    const members = [];
    for (let i = 0; i < COUNT; i++) {
      members.push(
        await hub.store.joinMember(shopNo, { name: `Member ${i}`, phone: null, email: `m${i}@example.com`, consentAt: null, consentText: null }, new Date()),
      );
    }
    const before = sink.mails.length;
    const start = performance.now();
    for (const member of members) await hub.messaging.queueWelcome(member, 'pl');
    const queuedMs = performance.now() - start;
    await sink.waitFor(before + COUNT, `${COUNT} outbox mails`);
    await hub.messaging.drain();
    const outboxMs = performance.now() - start;
    const sent = (await hub.messaging.store.countByState()).sent;

    console.log(`${COUNT} welcome e-mails to a loopback SMTP server (${hub.store.engine}):`);
    console.log(`  bare nodemailer (baseline): ${fmt(bareMs, 0)} ms, ${fmt((COUNT / bareMs) * 1000, 0)} mails/s`);
    console.log(
      `  hub outbox (queue + send):  ${fmt(outboxMs, 0)} ms, ${fmt((COUNT / outboxMs) * 1000, 0)} mails/s ` +
        `(queueing alone ${fmt(queuedMs, 0)} ms), ${fmt(outboxMs / bareMs)}× the baseline, marked sent: ${sent}`,
    );
  } finally {
    await hub?.close();
    await sink.close();
    tmp.remove();
  }
}
