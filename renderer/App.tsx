import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Claim, KioskApi, KioskStatus, SaleView } from '../core/contract';
import { LANGUAGE_NAMES } from '../core/i18n/display';
import { LOCALES, type Locale } from '../core/i18n/locales';
import { formatCountdown, formatMoney } from './format';
import { displayT, staffT, type DisplayT } from './i18n';
import { Qr } from './Qr';
import { Staff } from './Staff';

type Screen = { kind: 'idle' } | { kind: 'sale'; sale: SaleView } | { kind: 'thanks'; claim: Claim };

const params = new URLSearchParams(window.location.search);
/** How long the thank-you stays up before the display goes back to idle by itself. */
const THANKS_MS = Number(params.get('thanksMs') ?? 10_000);

export function App({ connect }: { connect: (onConnection: (up: boolean) => void) => KioskApi }) {
  const [connected, setConnected] = useState(true);
  const api = useMemo(() => connect(setConnected), [connect]);
  const [status, setStatus] = useState<KioskStatus | null>(null);
  const [screen, setScreen] = useState<Screen>({ kind: 'idle' });
  const [customerLocale, setCustomerLocale] = useState<Locale | null>(null);
  const [staffView, setStaffView] = useState<'closed' | 'open'>('closed');
  const [staffUnlocked, setStaffUnlocked] = useState(false);

  const refresh = useCallback(async () => {
    const reply = await api.invoke('getStatus', {});
    if (!reply.ok) return;
    setStatus(reply.value);
    const sale = reply.value.currentSale;
    if (sale) setScreen((s) => (s.kind === 'idle' ? { kind: 'sale', sale } : s));
  }, [api]);

  useEffect(() => {
    void refresh();
    return api.onEvent((event) => {
      switch (event.name) {
        case 'saleCreated':
          performance.mark(`sale-received:${event.payload.saleId}`);
          setScreen({ kind: 'sale', sale: event.payload });
          break;
        case 'claimAccepted':
          setScreen({ kind: 'thanks', claim: event.payload });
          break;
        case 'saleClosed':
          setScreen((s) => (s.kind === 'sale' && s.sale.saleId === event.payload.saleId ? { kind: 'idle' } : s));
          break;
        case 'printerStatusChanged':
          setStatus((s) => s && { ...s, printer: event.payload });
          break;
        case 'scannerStatusChanged':
          setStatus((s) => s && { ...s, scanner: event.payload });
          break;
        case 'hubStatusChanged':
          setStatus((s) => s && { ...s, hub: event.payload });
          break;
        case 'localeChanged':
          setStatus((s) => s && { ...s, locale: event.payload.locale });
          break;
        case 'shopChanged':
          setStatus((s) => s && { ...s, shopName: event.payload.shopName, timeZone: event.payload.timeZone });
          break;
        case 'programChanged':
          setStatus((s) => s && { ...s, currency: event.payload.currency, categoryKeys: event.payload.categoryKeys, saleCeiling: event.payload.saleCeiling });
          break;
        case 'staffLocked':
          setStaffUnlocked(false);
          setStaffView('closed');
          break;
        case 'memberScanned':
        case 'scanNotice':
          break; // staff mode shows these
      }
    });
  }, [api, refresh]);

  // Back to idle by itself after the thank-you; the customer's language choice ends with them.
  useEffect(() => {
    if (screen.kind !== 'thanks') return;
    const timer = setTimeout(() => {
      setScreen({ kind: 'idle' });
      setCustomerLocale(null);
    }, THANKS_MS);
    return () => clearTimeout(timer);
  }, [screen]);
  // A QR nobody scanned: "code expired" stays up as long as a thank-you would, then the display is idle again.
  useEffect(() => {
    if (screen.kind !== 'sale') return;
    const timer = setTimeout(
      () => {
        setScreen((s) => (s === screen ? { kind: 'idle' } : s));
      },
      Math.max(0, Date.parse(screen.sale.expiresAt) - Date.now()) + THANKS_MS,
    );
    return () => clearTimeout(timer);
  }, [screen]);
  useEffect(() => {
    if (screen.kind === 'idle') setCustomerLocale(null);
  }, [screen.kind]);

  useEffect(() => {
    document.documentElement.lang = customerLocale ?? status?.locale ?? 'en';
  }, [customerLocale, status?.locale]);

  if (!status) {
    return (
      <main className="screen idle" data-screen="loading">
        <p className="big">…</p>
      </main>
    );
  }
  const locale = customerLocale ?? status.locale;
  const t = displayT(locale);

  if (staffView === 'open') {
    return (
      <Staff
        api={api}
        status={status}
        unlocked={staffUnlocked}
        currentSale={screen.kind === 'sale' ? screen.sale : null}
        onUnlocked={() => setStaffUnlocked(true)}
        onClose={() => setStaffView('closed')}
        onLocked={() => {
          setStaffUnlocked(false);
          setStaffView('closed');
        }}
        onSaleShown={(sale) => {
          setScreen({ kind: 'sale', sale });
          setStaffView('closed');
        }}
        connected={connected}
      />
    );
  }

  return (
    <main className={`screen customer ${screen.kind}`} data-screen={screen.kind} lang={locale}>
      {screen.kind === 'idle' && <Idle shopName={status.shopName} t={t} />}
      {screen.kind === 'sale' && <Sale sale={screen.sale} locale={locale} t={t} />}
      {screen.kind === 'thanks' && <Thanks claim={screen.claim} t={t} />}
      <footer className="bar">
        <nav className="languages" aria-label={t('language')}>
          {LOCALES.map((l) => (
            <button
              key={l}
              type="button"
              lang={l}
              className={l === locale ? 'lang active' : 'lang'}
              aria-pressed={l === locale}
              data-locale={l}
              title={LANGUAGE_NAMES[l]}
              onClick={() => setCustomerLocale(l)}
            >
              {l.toUpperCase()}
            </button>
          ))}
        </nav>
        {/* The staff button speaks the kiosk's language, not the customer's. */}
        <button type="button" className="staff-button" data-action="staff" onClick={() => setStaffView('open')}>
          {staffT(status.locale)('staff')}
        </button>
      </footer>
    </main>
  );
}

function Idle({ shopName, t }: { shopName: string; t: DisplayT }) {
  return (
    <section className="body idle-body">
      <h1 className="shop">{shopName}</h1>
      <p className="invite">{t('idleInvite')}</p>
      <p className="how">{t('idleHow')}</p>
    </section>
  );
}

function useCountdown(expiresAt: string): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [expiresAt]);
  return Date.parse(expiresAt) - now;
}

function Sale({ sale, locale, t }: { sale: SaleView; locale: Locale; t: DisplayT }) {
  const left = useCountdown(sale.expiresAt);
  const marked = useRef('');
  useEffect(() => {
    // For the bench: from the sale reaching the window to the QR painted.
    if (marked.current === sale.saleId) return;
    marked.current = sale.saleId;
    requestAnimationFrame(() => performance.mark(`qr-painted:${sale.saleId}`));
  }, [sale.saleId]);
  const expired = left <= 0;
  return (
    <section className="body sale-body">
      <div className="sale-info">
        <p className="label">{t('toPay')}</p>
        <p className="amount" data-testid="amount">
          {formatMoney(sale.total, locale)}
        </p>
        <p className="earns">
          {t('earns', { points: sale.points })} {t('earnsStamps', { stamps: sale.stamps })}
        </p>
        {sale.campaign && <p className="campaign">{sale.campaign.label}</p>}
        <p className={expired ? 'timer expired' : 'timer'} data-testid="timer">
          {expired ? t('expired') : t('timeLeft', { time: formatCountdown(left) })}
        </p>
      </div>
      <div className="qr-box">
        {!expired && <Qr text={sale.claimUrl} label={t('scanNow')} />}
        {!expired && <p className="scan">{t('scanNow')}</p>}
      </div>
    </section>
  );
}

function Thanks({ claim, t }: { claim: Claim; t: DisplayT }) {
  const { member } = claim;
  const progress = member.progress;
  return (
    <section className="body thanks-body">
      <h1 className="thanks-title">{member.name ? t('thankYouName', { name: member.name.split(' ')[0] ?? member.name }) : t('thankYou')}</h1>
      <p className="plus">{t('plusPoints', { n: claim.pointsEarned })}</p>
      {claim.bonuses.length > 0 && (
        <ul className="bonuses" data-testid="bonuses">
          {claim.bonuses.map((b, i) => (
            <li key={i}>{t('bonusLine', { label: b.label, n: b.points })}</li>
          ))}
        </ul>
      )}
      <p className="balance">{t('balance', { n: member.points })}</p>
      {progress && (
        <p className="progress">
          {progress.remaining === 0
            ? t('rewardReady', { reward: progress.rewardLabel })
            : t(progress.unit === 'stamps' ? 'progressStamps' : 'progressPoints', { n: progress.remaining, reward: progress.rewardLabel })}
        </p>
      )}
    </section>
  );
}
