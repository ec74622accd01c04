import type { MessageTextKey } from '../core/i18n/messages';

/**
 * Why a message did not go, as the hub stores it (`messages.reason`, in English, for the log and for
 * rows written before this list existed), and the owner's words for it. The sender writes the
 * reason with these functions and the messages page reads it back with `reasonText`, so the two
 * cannot drift; a reason not in this list (a provider's error, an address) is shown as the generic
 * text, since it may carry internals that are for the log only.
 */
export const SUPPRESSED = {
  noContact: 'no contact for this channel',
  noConsent: 'no consent for marketing',
  noEmail: 'no e-mail configured',
  noSms: 'no SMS configured',
} as const;

export function capReason(weeklyCap: number): string {
  return `frequency cap: this member already had ${weeklyCap} marketing message${weeklyCap === 1 ? '' : 's'} in the last 7 days`;
}

export function noSenderReason(channel: string): string {
  return `no sender for channel ${channel}`;
}

export function gaveUpReason(attempts: number, words: string): string {
  return `gave up after ${attempts} attempts: ${words}`;
}

/** The message key and values that say a stored reason to the owner. */
export function reasonText(reason: string): { key: MessageTextKey; values?: Record<string, number> } {
  const known = (Object.keys(SUPPRESSED) as (keyof typeof SUPPRESSED)[]).find((k) => SUPPRESSED[k] === reason);
  if (known) return { key: `owner.why.${known}` };
  if (reason === noSenderReason('email')) return { key: 'owner.why.noEmail' };
  if (reason === noSenderReason('sms')) return { key: 'owner.why.noSms' };
  const cap = /^frequency cap: this member already had (\d+) marketing messages? in the last 7 days$/.exec(reason);
  if (cap) return { key: 'owner.why.cap', values: { cap: Number(cap[1]) } };
  const gaveUp = /^gave up after (\d+) attempts: /.exec(reason);
  if (gaveUp) return { key: 'owner.why.gaveUp', values: { attempts: Number(gaveUp[1]) } };
  return { key: 'owner.why.other' };
}
