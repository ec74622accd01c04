// `npm run bench -- messages`: the hub's message outbox sending welcome e-mails to a loopback SMTP
// server (smtp-server), against a baseline from the same run: the same number of mails sent straight
// with nodemailer over a pooled connection to the same server (MESSAGES_BENCH_COUNT, default 500).
// The difference is what the outbox costs per message: render, store, claim with a lease, mark sent.
// Also each message's time from its trigger (the welcome queued) to the SMTP server accepting it, against
// one bare sendMail's time in the same run.
import nodemailer from 'nodemailer';
import type { Hub } from '../../cloud/hub';
import { testHub, tempDir } from '../support/hub-harness';
import { smtpSink } from '../support/smtp-sink';
import { fmt, summarize } from './stats';

const COUNT = Number(process.env.MESSAGES_BENCH_COUNT ?? 500);
const PACED = 50;

export async function run(): Promise<void> {
  // When each recipient's message was triggered, and how long it took until the server accepted it.
  const triggered = new Map<string, number>();
  const toAccepted: number[] = [];
  const sink = await smtpSink({
    onAccepted: (to) => {
      const at = triggered.get(to);
      if (at !== undefined) toAccepted.push(performance.now() - at);
    },
  });
  const tmp = tempDir('bench-messages');
  let hub: Hub | undefined;
  try {
    // Baseline: nodemailer alone, one message after the other (as the worker sends).
    const transport = nodemailer.createTransport(`${sink.url}?pool=true`);
    const bareStart = performance.now();
    const bareEach: number[] = [];
    for (let i = 0; i < COUNT; i++) {
      const one = performance.now();
      await transport.sendMail({ from: 'bench@kawiarnia.test', to: `bare${i}@example.com`, subject: `Welcome ${i}`, text: 'Hello', html: '<p>Hello</p>' });
      bareEach.push(performance.now() - one);
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
    for (const member of members) {
      triggered.set(member.email!, performance.now());
      await hub.messaging.queueWelcome(member, 'pl');
    }
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
    // One at a time: a single welcome triggered on an idle outbox, waited for before the next.
    const burst = toAccepted.splice(0);
    for (let i = 0; i < PACED; i++) {
      const member = await hub.store.joinMember(
        shopNo,
        { name: `Paced ${i}`, phone: null, email: `paced${i}@example.com`, consentAt: null, consentText: null },
        new Date(),
      );
      triggered.set(member.email!, performance.now());
      await hub.messaging.queueWelcome(member, 'pl');
      await sink.waitFor(before + COUNT + i + 1, `paced mail ${i}`);
    }
    const paced = summarize(toAccepted);
    const latency = summarize(burst);
    const bare = summarize(bareEach);
    console.log(
      `  trigger → accepted by SMTP, each message: p50 ${fmt(latency.p50, 0)} ms, p95 ${fmt(latency.p95, 0)} ms (n=${latency.n}; all ${COUNT} triggered at once, so the later ones wait their turn)`,
    );
    console.log(`  trigger → accepted, one at a time on an idle outbox: p50 ${fmt(paced.p50)} ms, p95 ${fmt(paced.p95)} ms (n=${paced.n})`);
    console.log(
      `  one bare sendMail (baseline):            p50 ${fmt(bare.p50)} ms, p95 ${fmt(bare.p95)} ms; ratio (one at a time) p95 ${fmt(paced.p95 / bare.p95, 1)}`,
    );
  } finally {
    await hub?.close();
    await sink.close();
    tmp.remove();
  }
}
