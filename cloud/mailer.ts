import nodemailer from 'nodemailer';

/** E-mail leaving the hub: over SMTP (nodemailer) to the server SMTP_URL names. */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The Message-ID, derived from the outbox id: a copy sent twice is recognisable as one message. */
  messageId: string;
  locale: string;
  headers: Record<string, string>;
}

export interface Mailer {
  /** For the start-up log: where mail goes (no password). */
  readonly where: string;
  readonly from: string;
  /** Resolves once the SMTP server accepted the message; rejects with a MailError otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** `permanent`: the server refused the message itself (5xx): sending it again will not help. */
export class MailError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** The sender when SMTP_FROM is unset: no-reply at the hub's public host. */
export function defaultFrom(publicUrl: string): string {
  return `no-reply@${new URL(publicUrl).hostname}`;
}

export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`SMTP_URL must start with smtp:// or smtps://, got ${url.protocol}`);
  // One connection at a time is plenty for a shop's messages; the pool keeps it open between them.
  const transport = nodemailer.createTransport(smtpUrl.includes('?') ? `${smtpUrl}&pool=true` : `${smtpUrl}?pool=true`);
  return {
    where: `${url.protocol}//${url.host}`,
    from,
    async send(mail) {
      try {
        await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          headers: { 'Content-Language': mail.locale, ...mail.headers },
        });
      } catch (error) {
        const code = (error as { responseCode?: unknown }).responseCode;
        const words = error instanceof Error ? error.message : String(error);
        throw new MailError(`SMTP ${url.host}: ${words}`, typeof code === 'number' && code >= 500 && code < 600);
      }
    },
    close() {
      transport.close();
    },
  };
}
