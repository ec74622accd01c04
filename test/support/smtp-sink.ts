// A real SMTP server on 127.0.0.1 (smtp-server) that keeps every message it accepted, parsed with
// mailparser: the hub's outbox sends to it as to any mail server.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { until } from './until';

export interface SinkOptions {
  /** Before accepting each message: wait this long (a slow server, to catch the hub mid-batch). */
  delayMs?: number;
  /** Refuse a message (by recipient) with this SMTP code and text, or accept it (undefined). */
  refuse?: (to: string) => { code: number; text: string } | undefined;
  /** Told the moment a message is accepted (its envelope recipients, comma-separated): the bench's clock stops there. */
  onAccepted?: (to: string) => void;
}

export interface SmtpSink {
  url: string;
  mails: ParsedMail[];
  /** Messages refused by `refuse`, by recipient. */
  refused: string[];
  waitFor(count: number, what?: string): Promise<void>;
  /** The mails to one address. */
  to(address: string): ParsedMail[];
  close(): Promise<void>;
}

export async function smtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const refused: string[] = [];
  const server = new SMTPServer({
    // Loopback only, no TLS: the hub logs in with the user and password of its SMTP_URL all the same.
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'hub' && auth.password === 'secret') callback(null, { user: 'hub' });
      else callback(new Error('invalid login'));
    },
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((r) => r.address).join(',');
      void simpleParser(stream).then(
        async (mail) => {
          if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
          const refusal = options.refuse?.(to);
          if (refusal) {
            refused.push(to);
            callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
            return;
          }
          mails.push(mail);
          options.onAccepted?.(to);
          callback();
        },
        (error: unknown) => callback(error as Error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://hub:secret@127.0.0.1:${port}`,
    mails,
    refused,
    waitFor: (count, what = `${count} mails`) => until(() => mails.length >= count, what),
    to: (address) => mails.filter((m) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.value.some((v) => v.address === address))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
