import { formatMessage } from '../core/i18n/catalog';
import { claimMessages, type ClaimMessageKey } from '../core/i18n/claim';
import { formatInstant } from '../core/i18n/dates';
import { INTL_LOCALE, type Locale } from '../core/i18n/locales';
import { entryKinds, type EntryKind } from '../core/ledger/entry';
import type { Program } from '../core/program/schema';
import { entryLabelIn, rewardName } from '../core/program/texts';
import type { MemberView } from './member-view';
import { CARD_JS, CARD_MANIFEST_PATH } from './card-pwa';
import { asset } from './page-assets';
import type { HistoryRow } from './store';

/** Server-rendered phone pages. Pure: data in, HTML out. */

/**
 * The hub pages' Content-Security-Policy: nothing from elsewhere, and scripts and styles only from
 * this hub's files (cloud/page-assets.ts), never inline, so an injected script or style does not run.
 * A page may also fetch from this hub (the program editor's live preview).
 */
export function pagePolicy(allow: { fetchFromHub?: boolean; installable?: boolean } = {}): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    ...(allow.fetchFromHub ? ["connect-src 'self'"] : []),
    // The member card is an installable web app (cloud/card-pwa.ts): its manifest, icons and service worker come from this hub.
    ...(allow.installable ? ["manifest-src 'self'", "worker-src 'self'", "img-src 'self' data:"] : ['img-src data:']),
    "form-action 'self'",
    // No other site may frame a hub page (clickjacking the join form, the owner's buttons).
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

type Values = Record<string, string | number>;
const t = (locale: Locale, key: ClaimMessageKey, values: Values = {}): string => escapeHtml(formatMessage(claimMessages, locale, key, values));

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f3ee;color:#1d1b19}
main{max-width:28rem;margin:0 auto;padding:1.2rem}h1{font-size:1.5rem;margin:.2rem 0 1rem}
.card{background:#fff;border-radius:14px;padding:1.1rem;margin:0 0 1rem;box-shadow:0 1px 3px #0002}
.big{font-size:2.4rem;font-weight:700}label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=text],input[type=tel],input[type=email]{width:100%;font-size:1.1rem;padding:.7rem;border:1px solid #aaa;border-radius:9px}
.consent{display:flex;gap:.6rem;align-items:flex-start;font-weight:400}.consent input{width:1.5rem;height:1.5rem;flex:none}
button,.button{display:block;width:100%;margin-top:1rem;font-size:1.15rem;padding:.9rem;border:0;border-radius:10px;background:#1f6f4a;color:#fff;text-align:center;text-decoration:none}
.contact-kind{display:flex;gap:.5rem;margin:0 0 .4rem}.contact-kind button{width:auto;margin:0;padding:.35rem .9rem;font-size:1rem;background:#e7e1d8;color:#1d1b19}
.contact-kind button[aria-pressed=true]{background:#1f6f4a;color:#fff}
.error{color:#a4161a;font-weight:600;margin:.3rem 0}.ok{color:#1f6f4a;font-weight:700;font-size:1.25rem}
.muted{color:#666;font-size:.9rem}ul{padding-left:1.1rem}li{margin:.25rem 0}.row{display:flex;justify-content:space-between;gap:1rem}
.qr svg{width:100%;height:auto;background:#fff}.code{font-family:monospace;word-break:break-all;font-size:.75rem}`;

/**
 * The phone pages' script: a form's submit button is disabled once pressed (no double claim), and the
 * "phone or e-mail" field opens the number pad first with a switch to the e-mail keyboard (a value
 * with an @, the form shown again, starts on e-mail).
 */
const SCRIPT = `(function(){
document.querySelectorAll('form').forEach(function(f){f.addEventListener('submit',function(){var b=f.querySelector('button[type=submit]');if(b){setTimeout(function(){b.disabled=true},0)}})});
var k=document.getElementById('contact-kind'),c=document.getElementById('contact');
if(!k||!c)return;
k.hidden=false;
function use(kind){c.setAttribute('inputmode',kind);c.setAttribute('autocomplete',kind);
  k.querySelectorAll('button').forEach(function(b){b.setAttribute('aria-pressed',String(b.dataset.kind===kind))})}
use(c.value.indexOf('@')>=0?'email':'tel');
k.querySelectorAll('button').forEach(function(b){b.addEventListener('click',function(){use(b.dataset.kind);c.blur();c.focus()})});
})();`;
const PHONE_CSS = asset('phone.css', STYLE);
const PHONE_JS = asset('phone.js', SCRIPT);

/** `head`: more of the head, already HTML (the card's manifest link and its own script). */
export function page(locale: Locale, title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${title}</title><link rel="stylesheet" href="${PHONE_CSS}">${head}</head><body><main>${body}</main>
<script src="${PHONE_JS}"></script>
</body></html>`;
}

export interface ClaimPageModel {
  locale: Locale;
  shopName: string;
  privacyText: string;
  points: number;
  action: string;
  /** A remembered member: the page offers one tap. */
  member: { name: string | null } | null;
  values?: { name: string; contact: string; consent: boolean; birthDay?: string; birthMonth?: string };
  errors?: { contact?: ClaimMessageKey; consent?: ClaimMessageKey; birthday?: ClaimMessageKey; form?: string };
  forceJoin?: boolean;
}

/** What a history line without a rule's label is, in words ("Refund"), never the ledger's own kind ("reversal"); HTML. */
export function entryKindName(locale: Locale, kind: string): string {
  return escapeHtml(entryKindText(locale, kind));
}

/** The same as plain text, for a React body (which escapes it). */
export function entryKindText(locale: Locale, kind: string): string {
  return (entryKinds as readonly string[]).includes(kind) ? formatMessage(claimMessages, locale, `history.${kind as EntryKind}`) : kind;
}

/**
 * The shop's privacy sentence in the customer's language: the hub's default sentence (stored in English
 * with the shop) is the catalog's, translated; a sentence the owner wrote is shown as written.
 */
function privacySentence(locale: Locale, privacyText: string): string {
  const own = privacyText.trim();
  return own === '' || own === claimMessages.en.privacy ? t(locale, 'privacy') : own;
}

/**
 * One field for "phone or e-mail" (the join form, and opening the card on a new phone). Without script
 * it is plain text (any keyboard types both). With script the phone's number pad opens first (most
 * members join with a phone) and a switch beside the label brings the e-mail keyboard; a value with an
 * @ (the form shown again) starts on e-mail. `errorId`: the element that says what is wrong with it.
 */
export function contactField(locale: Locale, value: string, errorId = 'contact-error'): string {
  const email = value.includes('@');
  return `<p class="contact-kind" id="contact-kind" hidden role="group" aria-label="${t(locale, 'contact')}">
      <button type="button" data-kind="tel" aria-pressed="${!email}">${t(locale, 'contactPhone')}</button>
      <button type="button" data-kind="email" aria-pressed="${email}">${t(locale, 'contactEmail')}</button></p>
      <input type="text" id="contact" name="contact" autocomplete="${email ? 'email' : 'tel'}" maxlength="254" value="${escapeHtml(value)}"
        aria-describedby="${errorId}" autocapitalize="off" spellcheck="false">`;
}

/**
 * Birthday, day and month (no year), both optional: two pickers, so no date format to get wrong.
 * `day`/`month` are the chosen values as posted ('' for none).
 */
export function birthdayFields(locale: Locale, day: string, month: string, errorKey?: ClaimMessageKey): string {
  const monthName = new Intl.DateTimeFormat(INTL_LOCALE[locale], { month: 'long', timeZone: 'UTC' });
  const option = (value: string, text: string, chosen: string): string =>
    `<option value="${value}"${value === chosen ? ' selected' : ''}>${escapeHtml(text)}</option>`;
  const days = Array.from({ length: 31 }, (_, i) => option(String(i + 1), String(i + 1), day)).join('');
  const months = Array.from({ length: 12 }, (_, i) => option(String(i + 1), monthName.format(new Date(Date.UTC(2000, i, 1))), month)).join('');
  return `<fieldset class="birthday" aria-describedby="birthday-hint${errorKey ? ' birthday-error' : ''}"><legend>${t(locale, 'birthday')}</legend>
      <label for="birth-day">${t(locale, 'birthdayDay')}</label><select id="birth-day" name="birthDay">${option('', '—', day)}${days}</select>
      <label for="birth-month">${t(locale, 'birthdayMonth')}</label><select id="birth-month" name="birthMonth">${option('', '—', month)}${months}</select>
      <p class="muted" id="birthday-hint">${t(locale, 'birthdayHint')}</p>
      ${errorKey ? `<p class="error" id="birthday-error" role="alert">${t(locale, errorKey)}</p>` : ''}</fieldset>`;
}

/** The card's birthday form (POST /m/birthday): the member's MM-DD or null. */
export function birthdaySection(locale: Locale, birthday: string | null, csrf: string, saved: boolean): string {
  const [month, day] = birthday ? birthday.split('-').map((part) => String(Number(part))) : ['', ''];
  return `<form method="post" action="/m/birthday" class="card" id="birthday"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
    ${saved ? `<p class="ok" id="birthday-saved" role="status">${t(locale, 'birthdaySaved')}</p>` : ''}
    ${birthdayFields(locale, day ?? '', month ?? '')}
    <button type="submit" id="birthday-save">${t(locale, 'birthdaySave')}</button></form>`;
}

/** What a join form was posted with, to show it again with the refusal's reasons. */
interface JoinForm {
  locale: Locale;
  shopName: string;
  privacyText: string;
  values?: { name: string; contact: string; consent: boolean; birthDay?: string; birthMonth?: string } | undefined;
  errors?: { contact?: ClaimMessageKey; consent?: ClaimMessageKey; birthday?: ClaimMessageKey } | undefined;
}

/** The fields of joining, the same on the claim page and a referral link's page: name, contact, birthday, consent. */
function joinFields(m: JoinForm): string {
  const v = m.values ?? { name: '', contact: '', consent: false };
  const fieldError = (key: ClaimMessageKey | undefined, id: string): string => (key ? `<p class="error" id="${id}" role="alert">${t(m.locale, key)}</p>` : '');
  return `<label for="name">${t(m.locale, 'name')}</label>
      <input type="text" id="name" name="name" autocomplete="given-name" maxlength="80" value="${escapeHtml(v.name)}">
      <label for="contact">${t(m.locale, 'contact')}</label>
      ${contactField(m.locale, v.contact)}
      ${fieldError(m.errors?.contact, 'contact-error')}
      ${birthdayFields(m.locale, v.birthDay ?? '', v.birthMonth ?? '', m.errors?.birthday)}
      <label class="consent"><input type="checkbox" id="consent" name="consent" value="yes"${v.consent ? ' checked' : ''}>
        <span>${t(m.locale, 'consent', { shop: m.shopName })}<br><span class="muted">${escapeHtml(privacySentence(m.locale, m.privacyText))}</span></span></label>
      ${fieldError(m.errors?.consent, 'consent-error')}`;
}

export function claimPage(m: ClaimPageModel): string {
  const head = `<h1>${t(m.locale, 'title')}</h1><div class="card"><div class="big">+${m.points}</div>
    <div>${t(m.locale, 'forSale', { points: m.points, shop: m.shopName })}</div></div>`;
  const formError = m.errors?.form ? `<p class="error" role="alert" id="form-error">${escapeHtml(m.errors.form)}</p>` : '';
  if (m.member && !m.forceJoin) {
    const name = m.member.name ?? '🙂';
    return page(
      m.locale,
      t(m.locale, 'title'),
      `${head}${formError}
      <form method="post" action="${escapeHtml(m.action)}"><input type="hidden" name="mode" value="member">
      <button type="submit" id="one-tap">${t(m.locale, 'oneTap', { name })}</button></form>
      <p><a href="${escapeHtml(m.action)}?join=1" class="muted">${t(m.locale, 'notYou')}</a></p>`,
    );
  }
  return page(
    m.locale,
    t(m.locale, 'title'),
    `${head}${formError}
    <form method="post" action="${escapeHtml(m.action)}" class="card" novalidate>
      <input type="hidden" name="mode" value="join">
      <h2>${t(m.locale, 'join', { shop: m.shopName })}</h2>
      ${joinFields(m)}
      <button type="submit" id="join">${t(m.locale, 'submit')}</button>
    </form>`,
  );
}

export function messagePage(locale: Locale, message: string, link?: { href: string; text: string }): string {
  return page(
    locale,
    t(locale, 'title'),
    `<div class="card"><p class="error" role="alert" id="message">${escapeHtml(message)}</p>
    ${link ? `<a class="button" href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a>` : ''}</div>`,
  );
}

export interface CardPageModel {
  locale: Locale;
  shopName: string;
  memberName: string | null;
  view: MemberView;
  /** The program the history's entries were earned under: their rewards, cards and campaigns are named in `locale` (core/program/texts.ts). */
  program: Pick<Program, 'locale' | 'rules' | 'rewards' | 'tiers'>;
  history: HistoryRow[];
  flash: { name: string; points: number; welcome: number } | null;
  /** HTML of other parts of the card (the offers switch, cloud/message-pages.ts), rendered by their owners. */
  extra?: string;
  /** The member's own card code (core/codes memberCodeFor) and its QR as SVG, for staff to scan at the counter. */
  memberQr: { code: string; svg: string };
  /** The "signed in on …" card (cloud/account-pages.ts sessionsCard), already HTML. */
  sessions?: string;
  /** The wallet buttons the owner configured (cloud/wallet.ts); none: no buttons. */
  wallets?: { apple?: string; google?: string };
}

/** "Add to Apple Wallet" / "Save to Google Wallet", only for the wallets the owner configured. */
function walletButtons(L: Locale, wallets: CardPageModel['wallets']): string {
  const links = [
    wallets?.apple ? `<a class="button wallet" id="apple-wallet" href="${escapeHtml(wallets.apple)}">${t(L, 'addToAppleWallet')}</a>` : '',
    wallets?.google ? `<a class="button wallet" id="google-wallet" href="${escapeHtml(wallets.google)}">${t(L, 'saveToGoogleWallet')}</a>` : '',
  ].join('');
  return links === '' ? '' : `<div class="card" id="wallets">${links}</div>`;
}

/** A history line's name in the reader's language (the reward, card or campaign), else its kind in words; HTML. */
function historyLabel(program: CardPageModel['program'], h: HistoryRow, locale: Locale): string {
  const label = entryLabelIn(program, h.reason, locale);
  return label === undefined ? entryKindName(locale, h.kind) : escapeHtml(label);
}

export function cardPage(m: CardPageModel): string {
  const L = m.locale;
  const progress = m.view.progress;
  const next = progress.next;
  const progressText =
    next === null
      ? ''
      : next.ready
        ? t(L, 'progressReady', { reward: next.rewardName })
        : t(L, next.unit === 'stamps' ? 'progress' : 'progressPoints', { n: next.remaining, reward: next.rewardName });
  // Days are the shop's days (a lot earned late in the evening expires on the shop's date).
  const expiring = m.view.expiring
    ? `<p class="muted" id="expiring">${t(L, 'expiring', { n: m.view.expiring.points, date: formatInstant(m.view.expiring.at, L, m.view.timeZone, 'longDate') })}</p>`
    : '';
  const history =
    m.history.length === 0
      ? `<p class="muted">${t(L, 'noHistory')}</p>`
      : `<ul id="history">${m.history
          .map(
            (h) => `<li><span class="row"><span>${escapeHtml(formatInstant(h.at, L, m.view.timeZone, 'date'))} ${historyLabel(m.program, h, L)}</span>
        <strong>${h.points >= 0 ? '+' : ''}${h.points}${h.stamps ? ` · ${h.stamps >= 0 ? '+' : ''}${h.stamps} ☕` : ''}</strong></span></li>`,
          )
          .join('')}</ul>`;
  const rewards = m.view.rewards;
  const rewardList = `${rewards.some((r) => r.affordable) ? '' : `<p class="muted">${t(L, 'noRewards')}</p>`}${rewards
    .map((r) => {
      const cost = r.costPoints > 0 ? t(L, 'costPoints', { n: r.costPoints }) : t(L, 'costStamps', { n: r.costStamps });
      return `<form method="post" action="/m/redeem" class="reward${r.affordable ? ' affordable' : ''}" data-reward="${r.rewardKey}"><input type="hidden" name="reward" value="${r.rewardKey}">
        <div class="row"><span>${escapeHtml(rewardName(r.reward, L))}</span><span class="muted cost">${cost}</span></div>
        ${r.affordable ? `<button type="submit" class="redeem" data-reward="${r.rewardKey}">${t(L, 'redeem')}</button>` : ''}</form>`;
    })
    .join('')}`;
  const flash = m.flash
    ? `<p class="ok" id="flash" role="status">${m.flash.name ? t(L, 'claimed', { name: m.flash.name, points: m.flash.points }) : t(L, 'claimedAnon', { points: m.flash.points })}</p>${
        m.flash.welcome > 0 ? `<p class="ok" id="welcome" role="status">${t(L, 'welcomeBonus', { points: m.flash.welcome })}</p>` : ''
      }`
    : '';
  return page(
    L,
    t(L, 'cardTitle', { shop: m.shopName }),
    `${flash}<h1>${t(L, 'cardTitle', { shop: m.shopName })}</h1>
    <div class="card"><div class="row"><span>${t(L, 'balance')}</span><span class="big" id="balance">${m.view.points}</span></div>
    <div class="row"><span>${t(L, 'stampsLabel')}</span><strong id="stamps">${m.view.stamps}</strong></div>
    ${progress.tier ? `<div class="row"><span>${t(L, 'tier')}</span><strong id="tier">${escapeHtml(progress.tier)}</strong></div>` : ''}
    <p id="progress">${progressText}</p>${expiring}</div>
    <div class="card"><div class="qr" id="member-qr">${m.memberQr.svg}</div><p class="muted">${t(L, 'memberQrHint')}</p>
    <p class="code" id="member-code">${escapeHtml(m.memberQr.code)}</p></div>${walletButtons(L, m.wallets)}
    <div class="card"><h2>${t(L, 'rewards')}</h2>${rewardList}</div>
    <div class="card"><h2>${t(L, 'history')}</h2>${history}</div>${m.extra ?? ''}${m.sessions ?? ''}`,
    `<link rel="manifest" href="${CARD_MANIFEST_PATH}"><meta name="theme-color" content="#1f6f4a"><script src="${CARD_JS}" defer></script>`,
  );
}

export function voucherPage(locale: Locale, timeZone: string, rewardName: string, code: string, qrSvg: string, until: Date): string {
  const untilText = formatInstant(until, locale, timeZone, 'date');
  return page(
    locale,
    t(locale, 'voucherTitle', { reward: rewardName }),
    `<h1>${t(locale, 'voucherTitle', { reward: rewardName })}</h1>
    <div class="card qr" id="voucher-qr">${qrSvg}</div><p>${t(locale, 'voucherHint', { until: untilText })}</p>
    <p class="code" id="voucher-code">${escapeHtml(code)}</p><a class="button" href="/m">${t(locale, 'back')}</a>`,
  );
}

/**
 * The card's "invite a friend" box: the member's referral link (cloud/referrals.ts) as text to copy
 * and as a QR drawn on the server (an inline SVG, as the member's own QR), with what each side gets.
 */
export function referralSection(locale: Locale, m: { link: string; qrSvg: string; referrerPoints: number; referredPoints: number }): string {
  return `<div class="card" id="referral"><h2>${t(locale, 'referralTitle')}</h2>
    <p>${t(locale, 'referralHint', { referrer: m.referrerPoints, referred: m.referredPoints })}</p>
    <label for="referral-link">${t(locale, 'referralLink')}</label>
    <input type="text" id="referral-link" readonly value="${escapeHtml(m.link)}">
    <div class="qr" id="referral-qr">${m.qrSvg}</div><p class="muted">${t(locale, 'referralQrHint')}</p></div>`;
}

export interface ReferralPageModel {
  locale: Locale;
  shopName: string;
  privacyText: string;
  action: string;
  /** What the friend's first purchase earns them once their contact is proven (0: the program pays nothing). */
  referredPoints: number;
  values?: { name: string; contact: string; consent: boolean; birthDay?: string; birthMonth?: string };
  errors?: { contact?: ClaimMessageKey; consent?: ClaimMessageKey; birthday?: ClaimMessageKey };
}

/** The page a referral link opens (`GET /r/<code>`): the join form of the claim page, with no sale to collect. */
export function referralPage(m: ReferralPageModel): string {
  const title = t(m.locale, 'referralInvite', { shop: m.shopName });
  return page(
    m.locale,
    title,
    `<h1>${title}</h1>
    <form method="post" action="${escapeHtml(m.action)}" class="card" novalidate>
      ${m.referredPoints > 0 ? `<p id="referral-offer">${t(m.locale, 'referralInviteHint', { referred: m.referredPoints })}</p>` : ''}
      ${joinFields(m)}
      <button type="submit" id="join">${t(m.locale, 'referralSubmit')}</button>
    </form>`,
  );
}
