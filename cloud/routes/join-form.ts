import { contactOrUndefined, regionForLocale, type Contact } from '../../core/contact';
import { formatMessage } from '../../core/i18n/catalog';
import { claimMessages, type ClaimMessageKey } from '../../core/i18n/claim';
import type { Locale } from '../../core/i18n/locales';
import { monthDayOf } from '../../core/program/schema';
import type { Member } from '../store';
import type { Shop } from '../store/shops';
import type { HubHttpContext } from './context';

/**
 * The join form a phone posts, on a claim page (cloud/routes/claim.ts) and on a referral link's page
 * (cloud/routes/referral.ts): one reading of its fields and one way to make the card with the
 * consent the phone gave, so the two pages cannot drift.
 */

/**
 * A birthday from the form's two pickers: null when both are empty, MM-DD for a real day of that
 * month (29 February included), 'invalid' otherwise (one picked without the other, 31 April, garbage).
 */
export function postedBirthday(day: string, month: string): string | null | 'invalid' {
  if (day === '' && month === '') return null;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month)) return 'invalid';
  return monthDayOf(Number(day), Number(month)) ?? 'invalid';
}

export interface PostedJoin {
  name?: string | undefined;
  contact?: string | undefined;
  consent?: string | undefined;
  birthDay?: string | undefined;
  birthMonth?: string | undefined;
}

/** What was typed, as the form shows it again after a refusal. */
export interface JoinFormValues {
  name: string;
  contact: string;
  consent: boolean;
  birthDay: string;
  birthMonth: string;
}

export type JoinFormErrors = { contact?: ClaimMessageKey; consent?: ClaimMessageKey; birthday?: ClaimMessageKey };

export type JoinForm =
  { ok: true; values: JoinFormValues; contact: Contact; birthday: string | null } | { ok: false; values: JoinFormValues; errors: JoinFormErrors };

/** The posted join form read for this shop: a contact normalised in the shop's country, the consent given, a real birthday or none. */
export function readJoinForm(posted: PostedJoin, shop: Pick<Shop, 'program'>): JoinForm {
  const values: JoinFormValues = {
    name: (posted.name ?? '').trim().slice(0, 80),
    contact: (posted.contact ?? '').trim(),
    consent: posted.consent === 'yes',
    birthDay: (posted.birthDay ?? '').trim(),
    birthMonth: (posted.birthMonth ?? '').trim(),
  };
  const contact = contactOrUndefined(values.contact, regionForLocale(shop.program.locale));
  const birthday = postedBirthday(values.birthDay, values.birthMonth);
  if (contact && values.consent && birthday !== 'invalid') return { ok: true, values, contact, birthday };
  return {
    ok: false,
    values,
    errors: {
      ...(contact ? {} : { contact: 'contactInvalid' as const }),
      ...(values.consent ? {} : { consent: 'consentRequired' as const }),
      ...(birthday === 'invalid' ? { birthday: 'birthdayInvalid' as const } : {}),
    },
  };
}

/**
 * Makes the card of a phone's join, with the consent text the phone was shown (in its language, the
 * shop's privacy text after it). The member with that contact when there is one (`created: false`):
 * typing someone's contact changes nothing of their card (no name filled in, no birthday).
 */
export async function joinWithConsent(
  ctx: Pick<HubHttpContext, 'store' | 'now'>,
  shop: Pick<Shop, 'no' | 'name' | 'privacyText'>,
  form: Extract<JoinForm, { ok: true }>,
  locale: Locale,
): Promise<Member & { created: boolean }> {
  return ctx.store.joinMember(
    shop.no,
    {
      name: form.values.name || null,
      phone: form.contact.phone,
      email: form.contact.email,
      consentAt: ctx.now().toISOString(),
      consentText: `${formatMessage(claimMessages, locale, 'consent', { shop: shop.name })} ${shop.privacyText}`,
      birthday: form.birthday,
    },
    ctx.now(),
    { fillName: false },
  );
}
