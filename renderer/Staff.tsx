import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type {
  CommandArgs,
  CommandName,
  CommandResult,
  KioskApi,
  KioskStatus,
  MemberSummary,
  RedeemInstruction,
  Reward,
  SaleSummary,
  SaleView,
  TodayFigures,
} from '../core/contract';
import { LIMITS } from '../core/contract/schemas';
import { LANGUAGE_NAMES } from '../core/i18n/display';
import { formatMessage } from '../core/i18n/catalog';
import { LOCALES, type Locale } from '../core/i18n/locales';
import { amountPaid, keypadAmount, keypadDigits, keypadFits, type CurrencyCode, type Money } from '../core/money';
import { scanMessages } from '../core/i18n/scan';
import { formatMoney, formatTime } from './format';
import { commonT, refusalText, staffT, type StaffT } from './i18n';
import { Qr } from './Qr';

type Tab = 'sale' | 'member' | 'redeem' | 'refund' | 'devices' | 'today';
const TABS: { id: Tab; label: 'tabSale' | 'tabMember' | 'tabRedeem' | 'tabRefund' | 'tabDevices' | 'tabToday' }[] = [
  { id: 'sale', label: 'tabSale' },
  { id: 'member', label: 'tabMember' },
  { id: 'redeem', label: 'tabRedeem' },
  { id: 'refund', label: 'tabRefund' },
  { id: 'devices', label: 'tabDevices' },
  { id: 'today', label: 'tabToday' },
];

interface Props {
  api: KioskApi;
  status: KioskStatus;
  unlocked: boolean;
  currentSale: SaleView | null;
  connected: boolean;
  onUnlocked(): void;
  onClose(): void;
  onLocked(): void;
  onSaleShown(sale: SaleView): void;
}

type Notice = { kind: 'ok' | 'warn' | 'error'; text: string } | null;

/** Calls a command; on refusal shows it in words and returns undefined. */
function useCommand(api: KioskApi, t: StaffT, setNotice: (n: Notice) => void) {
  return useCallback(
    async <N extends CommandName>(name: N, args: CommandArgs<N>): Promise<CommandResult<N> | undefined> => {
      const reply = await api.invoke(name, args);
      if (reply.ok) return reply.value;
      setNotice({ kind: 'error', text: refusalText(t, reply.error) });
      return undefined;
    },
    [api, t, setNotice],
  );
}

export function Staff(props: Props) {
  const t = staffT(props.status.locale);
  if (!props.unlocked) return <PinPad {...props} t={t} />;
  return <StaffPanel {...props} t={t} />;
}

function PinPad({ api, t, onUnlocked, onClose }: Props & { t: StaffT }) {
  const [pin, setPin] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const submit = async () => {
    const reply = await api.invoke('unlockStaff', { pin });
    setPin('');
    if (!reply.ok) {
      setMessage(refusalText(t, reply.error));
      return;
    }
    const v = reply.value;
    if (v.unlocked) {
      onUnlocked();
      return;
    }
    setMessage(v.reason === 'lockedOut' ? t('pinLockedOut', { min: Math.max(1, Math.ceil(v.retryAfterMs / 60_000)) }) : t('pinWrong', { n: v.attemptsLeft }));
  };
  return (
    <main className="screen staff pin" data-screen="pin">
      <h1 className="title">{t('pinTitle')}</h1>
      <p className="pin-dots" data-testid="pin-dots" aria-live="polite">
        {'•'.repeat(pin.length) || '\u00a0'}
      </p>
      <p className="notice error" role="alert">
        {message ?? '\u00a0'}
      </p>
      <Keypad value={pin} max={LIMITS.pin} onChange={setPin} t={t} />
      <div className="actions">
        <button type="button" className="secondary" data-action="close" onClick={onClose}>
          {t('close')}
        </button>
        <button type="button" className="primary" data-action="unlock" disabled={pin.length < 4} onClick={() => void submit()}>
          {t('unlock')}
        </button>
      </div>
    </main>
  );
}

/**
 * Digits keypad; `amount` drops leading zeros (digits as `keypadAmount` reads them), a PIN keeps them.
 * A digit is taken while the entry stays within `max` digits and `fits` it (the sale ceiling); one
 * that does not is not taken, and `onRefused` lets the screen say why.
 */
function Keypad({
  value,
  max,
  onChange,
  t,
  amount = false,
  fits = () => true,
  onRefused,
}: {
  value: string;
  max: number;
  onChange(v: string): void;
  t: StaffT;
  amount?: boolean;
  fits?(next: string): boolean;
  onRefused?(): void;
}) {
  const press = (key: string) => {
    if (key === '⌫') onChange(value.slice(0, -1));
    else if (key === 'C') onChange('');
    else {
      const next = amount ? (value + key).replace(/^0+/, '') : value + key;
      if (next.length <= max && fits(next)) onChange(next);
      else onRefused?.();
    }
  };
  return (
    <div className="keypad" role="group">
      {['1', '2', '3', '4', '5', '6', '7', '8', '9', 'C', '0', '⌫'].map((k) => (
        <button key={k} type="button" data-key={k} aria-label={k === 'C' ? t('clear') : k === '⌫' ? '⌫' : k} onClick={() => press(k)}>
          {k}
        </button>
      ))}
    </div>
  );
}

function StaffPanel(props: Props & { t: StaffT }) {
  const { api, status, t, onLocked, onClose } = props;
  const [tab, setTab] = useState<Tab>('sale');
  const [notice, setNotice] = useState<Notice>(null);
  const [member, setMember] = useState<MemberSummary | null>(null);
  const run = useCommand(api, t, setNotice);
  const select = (next: Tab) => {
    setTab(next);
    setNotice(null);
  };

  useEffect(
    () =>
      api.onEvent((event) => {
        if (event.name === 'memberScanned' && event.payload.member) {
          setMember(event.payload.member);
          setTab('member');
        }
        if (event.name === 'scanNotice') {
          const p = event.payload;
          // A scanned voucher that was accepted tells staff what to hand over or key in: that is good news, not an error.
          const accepted = 'key' in p && (p.key === 'voucherHandOver' || p.key === 'voucherDiscountAmount' || p.key === 'voucherDiscountPercent');
          setNotice({
            kind: accepted ? 'ok' : 'error',
            text: 'reason' in p ? staffT(status.locale)(p.reason) : formatMessage(scanMessages, status.locale, p.key, p.values),
          });
        }
      }),
    [api, status.locale],
  );

  const lock = async () => {
    await api.invoke('lockStaff', {});
    onLocked();
  };

  return (
    <main className="screen staff panel" data-screen={`staff-${tab}`}>
      <header className="tabs">
        {/* Only the tabs are in the tab list: close and lock are plain buttons beside it. */}
        <div className="tablist" role="tablist">
          {TABS.map(({ id, label }) => (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={tab === id}
              data-tab={id}
              className={tab === id ? 'tab active' : 'tab'}
              onClick={() => select(id)}
            >
              {t(label)}
            </button>
          ))}
        </div>
        <button type="button" className="tab close" data-action="close" onClick={onClose}>
          {t('close')}
        </button>
        <button type="button" className="tab lock" data-action="lock" onClick={() => void lock()}>
          {t('lock')}
        </button>
      </header>
      {!props.connected && (
        <p className="notice error" role="alert">
          {t('errOffline')}
        </p>
      )}
      {notice && (
        <p className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
          {notice.text}
        </p>
      )}
      <section className="tab-body">
        {tab === 'sale' && <SaleTab {...props} run={run} setNotice={setNotice} />}
        {tab === 'member' && <MemberTab {...props} run={run} setNotice={setNotice} member={member} setMember={setMember} />}
        {tab === 'redeem' && <RedeemTab {...props} run={run} member={member} setMember={setMember} />}
        {tab === 'refund' && <RefundTab {...props} run={run} setNotice={setNotice} />}
        {tab === 'devices' && <DevicesTab {...props} run={run} setNotice={setNotice} />}
        {tab === 'today' && <TodayTab {...props} run={run} />}
      </section>
      <span hidden>{status.kioskId}</span>
    </main>
  );
}

type Run = ReturnType<typeof useCommand>;
type TabProps = Props & { t: StaffT; run: Run };

function SaleTab(props: TabProps & { setNotice(n: Notice): void }) {
  // A paired kiosk whose hub has not sent the shop's program yet has no currency to key amounts in:
  // it says so in words and offers no keypad, rather than ring up another shop's currency.
  if (props.status.currency === null || props.status.saleCeiling === null) {
    return (
      <div className="sale-tab">
        <p className="notice error" role="alert" data-testid="program-pending">
          {props.t('programPending')}
        </p>
      </div>
    );
  }
  return <SaleEntry {...props} currency={props.status.currency} saleCeiling={props.status.saleCeiling} />;
}

function SaleEntry({
  status,
  currentSale,
  t,
  run,
  onSaleShown,
  setNotice,
  currency,
  saleCeiling,
}: TabProps & { setNotice(n: Notice): void; currency: CurrencyCode; saleCeiling: Money }) {
  // The digits as the shop says amounts (`keypadAmount`): 1253 is 1 253 Ft, 1840 is 18,40 zł.
  const [digits, setDigits] = useState('');
  // Items counted on the program's category keys (which stamp cards the sale fills); cleared with the amount.
  const [counts, setCounts] = useState<Record<string, number>>({});
  // Card or unsaid unless staff say cash, for this sale only.
  const [cash, setCash] = useState(false);
  // A digit was not taken because the amount would be over the sale ceiling: said until the amount changes.
  const [overCeiling, setOverCeiling] = useState(false);
  const locale = status.locale;
  const total = keypadAmount(digits, currency);
  const lines = Object.entries(counts).map(([category, quantity]) => ({ category, quantity }));
  const create = async () => {
    const sale = await run('createSale', { total, ...(lines.length > 0 ? { lines } : {}), ...(cash ? { payment: 'cash' as const } : {}) });
    if (sale) {
      setDigits('');
      setOverCeiling(false);
      setCounts({});
      setCash(false);
      onSaleShown(sale);
    }
  };
  const amountChanged = (value: string) => {
    setOverCeiling(false);
    if (value === '') {
      setCounts({});
      setCash(false);
    }
    setDigits(value);
  };
  const reprint = async () => {
    const r = await run('reprintLastReceipt', {});
    if (r) setNotice(r.printed ? { kind: 'ok', text: t('printed') } : { kind: 'error', text: printerWords(t, r.printer.fault) });
  };
  return (
    <div className="sale-tab">
      <div className="entry">
        <p className="label">{t('amount')}</p>
        <p className="amount-entry" data-testid="amount-entry">
          {formatMoney(total, locale)}
        </p>
        <Keypad
          value={digits}
          max={keypadDigits(saleCeiling).length}
          fits={(next) => keypadFits(next, saleCeiling)}
          onRefused={() => setOverCeiling(true)}
          onChange={amountChanged}
          t={t}
          amount
        />
        {overCeiling && (
          <p className="notice warn" role="status" data-testid="amount-ceiling">
            {t('amountCeiling', { amount: formatMoney(saleCeiling, locale) })}
          </p>
        )}
        {status.categoryKeys.length > 0 && (
          <div className="category-keys" role="group">
            {status.categoryKeys.map((key) => (
              <button
                key={key.category}
                type="button"
                data-category={key.category}
                aria-pressed={(counts[key.category] ?? 0) > 0}
                onClick={() => setCounts({ ...counts, [key.category]: Math.min(99, (counts[key.category] ?? 0) + 1) })}
              >
                {key.label}
                {counts[key.category] ? ` ×${counts[key.category]}` : ''}
              </button>
            ))}
          </div>
        )}
        <button type="button" className="cash-toggle" data-action="cash" aria-pressed={cash} onClick={() => setCash(!cash)}>
          {t('cash')}
        </button>
        {cash && total.amount > 0 && (
          // What the customer hands over, before the sale is sent: the total rounded to the currency's cash step.
          <p className="cash-to-pay" data-testid="cash-to-pay">
            {t('cashToPay', { amount: formatMoney(amountPaid(total, 'cash'), locale) })}
          </p>
        )}
        <button type="button" className="primary" data-action="create-sale" disabled={total.amount <= 0} onClick={() => void create()}>
          {t('showQr')}
        </button>
      </div>
      <div className="current">
        {currentSale ? (
          <>
            <p className="amount-small">{formatMoney(currentSale.total, locale)}</p>
            <p>{t('saleEarns', { points: currentSale.points })}</p>
            <p>{currentSale.state === 'open' ? t('saleOpen') : t('saleClaimed')}</p>
            <div className="qr-small">
              <Qr text={currentSale.claimUrl} label={t('saleOpen')} />
            </div>
          </>
        ) : (
          <p>{t('noSale')}</p>
        )}
        <button type="button" className="secondary" data-action="reprint" onClick={() => void reprint()}>
          {t('reprint')}
        </button>
      </div>
    </div>
  );
}

function memberName(t: StaffT, m: MemberSummary): string {
  return m.name ?? t('unnamed', { code: m.code });
}

function MemberCard({ m, t, children }: { m: MemberSummary; t: StaffT; children?: ReactNode }) {
  return (
    <li className="member" data-member={m.memberId}>
      <div className="who">
        <p className="name">{memberName(t, m)}</p>
        <p className="detail">{[m.phone, m.email, m.code].filter(Boolean).join(' · ')}</p>
        <p className="detail">{t('memberBalance', { points: m.points, stamps: m.stamps })}</p>
      </div>
      {children}
    </li>
  );
}

function MemberTab({
  t,
  run,
  currentSale,
  status,
  setNotice,
  member,
  setMember,
}: TabProps & { setNotice(n: Notice): void; member: MemberSummary | null; setMember(m: MemberSummary | null): void }) {
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<MemberSummary[] | null>(null);
  const [enrolling, setEnrolling] = useState(false);
  const attach = async (args: { memberId: string } | { memberCode: string }) => {
    if (!currentSale || currentSale.state !== 'open') {
      setNotice({ kind: 'error', text: t('needSale') });
      return;
    }
    const claim = await run('attachMember', { saleId: currentSale.saleId, ...args });
    if (claim) {
      setMember(claim.member);
      setNotice({ kind: 'ok', text: t('attached', { name: memberName(t, claim.member), points: claim.pointsEarned }) });
    }
  };
  const search = async (e: FormEvent) => {
    e.preventDefault();
    const q = query.trim();
    // A keyboard-wedge scan of a member code (letters and digits, no spaces) attaches at once.
    if (currentSale?.state === 'open' && /^[A-Z0-9]{6,}$/.test(q)) {
      await attach({ memberCode: q });
      setQuery('');
      return;
    }
    const r = await run('searchMembers', { query: q });
    if (!r) return;
    setFound(r.members);
    if (r.members.length === 1 && r.members[0]) setMember(r.members[0]);
  };
  if (enrolling)
    return (
      <EnrollForm
        t={t}
        run={run}
        locale={status.locale}
        onDone={(m) => {
          setEnrolling(false);
          if (m) {
            setMember(m);
            setFound([m]);
            setNotice({ kind: 'ok', text: t('enrolled', { code: m.code }) });
          }
        }}
      />
    );
  return (
    <div className="member-tab">
      <p className="help">{t('memberHelp')}</p>
      <form className="row" onSubmit={(e) => void search(e)}>
        <input name="query" autoFocus value={query} maxLength={LIMITS.searchQuery} onChange={(e) => setQuery(e.target.value)} aria-label={t('search')} />
        <button type="submit" className="primary" data-action="search">
          {t('search')}
        </button>
        <button type="button" className="secondary" data-action="enroll" onClick={() => setEnrolling(true)}>
          {t('enroll')}
        </button>
      </form>
      {found && found.length === 0 && <p className="help">{t('noResults')}</p>}
      <ul className="members">
        {(found ?? (member ? [member] : [])).map((m) => (
          <MemberCard key={m.memberId} m={m} t={t}>
            <button type="button" className="primary" data-action="attach" onClick={() => void attach({ memberId: m.memberId })}>
              {t('addToSale')}
            </button>
          </MemberCard>
        ))}
      </ul>
    </div>
  );
}

function EnrollForm({ t, run, locale, onDone }: { t: StaffT; run: Run; locale: Locale; onDone(m: MemberSummary | null): void }) {
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [consent, setConsent] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const m = await run('enrollMember', {
      locale,
      consent: consent as true,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(phone.trim() ? { phone: phone.trim() } : {}),
      ...(email.trim() ? { email: email.trim() } : {}),
    });
    if (m) onDone(m);
  };
  return (
    <form className="enroll" data-testid="enroll-form" onSubmit={(e) => void submit(e)}>
      <label>
        {t('name')}
        <input name="name" value={name} maxLength={LIMITS.name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        {t('phone')}
        <input name="phone" type="tel" value={phone} maxLength={LIMITS.phone} onChange={(e) => setPhone(e.target.value)} />
      </label>
      <label>
        {t('email')}
        <input name="email" type="email" value={email} maxLength={LIMITS.email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label className="check">
        <input name="consent" type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} />
        {t('consent')}
      </label>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => onDone(null)}>
          {t('close')}
        </button>
        <button type="submit" className="primary" data-action="enroll-submit" disabled={!consent || (!phone.trim() && !email.trim())}>
          {t('enroll')}
        </button>
      </div>
    </form>
  );
}

function instructionText(t: StaffT, i: RedeemInstruction, locale: Locale): string {
  switch (i.kind) {
    case 'handOver':
      return t('handOver', { item: i.item });
    case 'discountAmount':
      return t('discountAmount', { amount: formatMoney(i.amount, locale) });
    case 'discountPercent':
      return t('discountPercent', { percent: i.percent });
  }
}

/** "100 points + 8 stamps", leaving out a part that costs nothing. */
function rewardCost(locale: Locale, r: Reward): string {
  const t = commonT(locale);
  return [r.costPoints > 0 ? t('points', { n: r.costPoints }) : '', r.costStamps > 0 ? t('stamps', { n: r.costStamps }) : ''].filter(Boolean).join(' + ');
}

function RedeemTab({ t, run, status, member, setMember }: TabProps & { member: MemberSummary | null; setMember(m: MemberSummary): void }) {
  const [rewards, setRewards] = useState<Reward[] | null>(null);
  const [voucher, setVoucher] = useState('');
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (!member) return;
    void run('listRewards', { memberId: member.memberId }).then((r) => r && setRewards(r.rewards));
  }, [member, run]);
  const redeem = async (args: CommandArgs<'redeemReward'>) => {
    const r = await run('redeemReward', args);
    if (!r) return;
    setDone(instructionText(t, r.instruction, status.locale));
    setMember(r.member);
    setVoucher('');
  };
  return (
    <div className="redeem-tab">
      {done && (
        <p className="instruction" data-testid="instruction" role="status">
          {done}
        </p>
      )}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void redeem({ voucherCode: voucher.trim() });
        }}
      >
        <input
          name="voucher"
          value={voucher}
          maxLength={LIMITS.voucherCode}
          onChange={(e) => setVoucher(e.target.value)}
          aria-label={t('voucher')}
          placeholder={t('voucher')}
        />
        <button type="submit" className="primary" disabled={!voucher.trim()}>
          {t('redeem')}
        </button>
      </form>
      {!member && <p className="help">{t('pickMember')}</p>}
      {member && (
        <ul className="members">
          <MemberCard m={member} t={t} />
          {(rewards ?? []).map((r) => (
            <li key={r.rewardId} className="reward" data-reward={r.rewardId}>
              <p className="name">{r.label}</p>
              <p className="detail">{rewardCost(status.locale, r)}</p>
              <button
                type="button"
                className="primary"
                data-action="redeem"
                disabled={!r.affordable}
                onClick={() => void redeem({ memberId: member.memberId, rewardId: r.rewardId })}
              >
                {t('redeem')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type Asking =
  // `digits` null: the whole sale, untouched (exact even where the keypad cannot say it, fillér a till sent).
  | { step: 'amount'; sale: SaleSummary; digits: string | null }
  | { step: 'confirm'; sale: SaleSummary; kind: 'refund' | 'void'; preview: CommandResult<'previewReversal'> };

/**
 * Refund in three steps a barista cannot do by a slip of the finger: the amount (the whole sale by
 * default, editable, in the sale's currency), a confirmation that says what is given and taken back,
 * and a minute in which the refund is held and can be undone before it is recorded.
 */
function RefundTab({ t, run, status, setNotice }: TabProps & { setNotice(n: Notice): void }) {
  const [sales, setSales] = useState<SaleSummary[]>([]);
  const [asking, setAsking] = useState<Asking | null>(null);
  const locale = status.locale;
  const zone = status.timeZone;
  const load = useCallback(async () => {
    const r = await run('listRecentSales', { limit: 8 });
    if (r) setSales(r.sales);
  }, [run]);
  useEffect(() => {
    void load();
  }, [load]);
  // A held refund is recorded when its minute is over: the list then shows it refunded.
  useEffect(() => {
    const next = Math.min(...sales.map((s) => (s.reversalHeldUntil ? Date.parse(s.reversalHeldUntil) : Infinity)));
    if (!Number.isFinite(next)) return;
    const timer = setTimeout(() => void load(), Math.max(0, next - Date.now()) + 500);
    return () => clearTimeout(timer);
  }, [sales, load]);

  const preview = async (sale: SaleSummary, kind: 'refund' | 'void', amount?: SaleSummary['total']) => {
    const p = await run('previewReversal', { saleId: sale.saleId, kind, ...(amount ? { amount } : {}) });
    if (p) setAsking({ step: 'confirm', sale, kind, preview: p });
  };
  const confirm = async (a: Extract<Asking, { step: 'confirm' }>) => {
    const r =
      a.kind === 'void' ? await run('voidSale', { saleId: a.sale.saleId }) : await run('refundSale', { saleId: a.sale.saleId, amount: a.preview.amount });
    setAsking(null);
    if (!r) return;
    const held = t('heldNotice', { amount: formatMoney(r.amount, locale), time: formatTime(r.recordAt, locale, zone, true) });
    // Points already spent are not clawed below zero; staff must see that some could not be taken back.
    setNotice(
      r.pointsNotRecovered > 0 ? { kind: 'warn', text: `${held} ${t('pointsNotRecovered', { points: r.pointsNotRecovered })}` } : { kind: 'ok', text: held },
    );
    await load();
  };
  const undo = async (saleId: string) => {
    const r = await run('undoReversal', { saleId });
    if (r) setNotice({ kind: 'ok', text: t('undone') });
    await load();
  };

  if (asking?.step === 'amount') {
    const wholeSale = asking.sale.total;
    const amount = asking.digits === null ? wholeSale : keypadAmount(asking.digits, wholeSale.currency);
    const shownDigits = asking.digits ?? keypadDigits(wholeSale);
    return (
      <div className="refund-tab asking" data-testid="refund-amount">
        <p className="label">{t('refundAmount')}</p>
        <p className="amount-entry" data-testid="refund-amount-entry">
          {formatMoney(amount, locale)}
        </p>
        <Keypad value={shownDigits} max={keypadDigits(wholeSale).length} onChange={(digits) => setAsking({ ...asking, digits })} t={t} amount />
        <div className="actions">
          <button type="button" className="secondary" data-action="cancel" onClick={() => setAsking(null)}>
            {t('cancel')}
          </button>
          <button
            type="button"
            className="primary"
            data-action="refund-next"
            disabled={amount.amount <= 0 || amount.amount > wholeSale.amount}
            onClick={() => void preview(asking.sale, 'refund', amount)}
          >
            {t('next')}
          </button>
        </div>
      </div>
    );
  }
  if (asking?.step === 'confirm') {
    const p = asking.preview;
    const values = { amount: formatMoney(p.amount, locale), points: p.pointsReversed };
    return (
      // The whole question with its answers is the dialog, named by the question.
      <div className="refund-tab asking" data-testid="refund-confirm" role="alertdialog" aria-labelledby="refund-question">
        <p className="question" id="refund-question">
          {t(asking.kind === 'void' ? 'confirmVoid' : 'confirmRefund', values)}
        </p>
        {p.pointsNotRecovered > 0 && <p className="notice warn">{t('pointsNotRecovered', { points: p.pointsNotRecovered })}</p>}
        <div className="actions">
          <button type="button" className="secondary" data-action="cancel" onClick={() => setAsking(null)}>
            {t('cancel')}
          </button>
          <button type="button" className="primary" data-action="refund-confirm" onClick={() => void confirm(asking)}>
            {t(asking.kind === 'void' ? 'void' : 'refund')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="refund-tab">
      <p className="help">{t('recentSales')}</p>
      <ul className="sales">
        {sales.map((s) => {
          const closed = s.state === 'refunded' || s.state === 'voided';
          return (
            <li key={s.saleId} className="sale-row" data-sale={s.saleId} data-state={s.reversalHeldUntil ? 'held' : s.state}>
              <span className="when">{formatTime(s.issuedAt, locale, zone)}</span>
              <span className="what">{formatMoney(s.total, locale)}</span>
              {s.reversalHeldUntil ? (
                <>
                  <span className="held">{t('heldUntil', { time: formatTime(s.reversalHeldUntil, locale, zone, true) })}</span>
                  <button type="button" className="primary" data-action="undo" onClick={() => void undo(s.saleId)}>
                    {t('undo')}
                  </button>
                </>
              ) : (
                <>
                  <button
                    type="button"
                    className="secondary"
                    data-action="refund"
                    disabled={closed}
                    onClick={() => setAsking({ step: 'amount', sale: s, digits: null })}
                  >
                    {t('refund')}
                  </button>
                  <button type="button" className="secondary" data-action="void" disabled={closed} onClick={() => void preview(s, 'void')}>
                    {t('void')}
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function printerWords(t: StaffT, fault: KioskStatus['printer']['fault']): string {
  switch (fault) {
    case null:
      return t('ready');
    case 'paperOut':
      return t('printerPaperOut');
    case 'paperLow':
      return t('printerPaperLow');
    case 'coverOpen':
      return t('printerCoverOpen');
    case 'offline':
      return t('printerOffline');
    case 'notConfigured':
      return t('notConfigured');
  }
}

function DevicesTab({ t, run, status, setNotice }: TabProps & { setNotice(n: Notice): void }) {
  const hubWords = { online: t('hubOnline'), connecting: t('hubConnecting'), offline: t('hubStateOffline') }[status.hub.state];
  const scannerWords = status.scanner.fault === null ? t('ready') : status.scanner.fault === 'disconnected' ? t('scannerDisconnected') : t('notConfigured');
  const reprint = async () => {
    const r = await run('reprintLastReceipt', {});
    if (r) setNotice(r.printed ? { kind: 'ok', text: t('printed') } : { kind: 'error', text: printerWords(t, r.printer.fault) });
  };
  return (
    <div className="devices-tab">
      <dl className="devices">
        <div className={`device ${status.printer.state}`} data-device="printer">
          <dt>{t('printer')}</dt>
          <dd>{printerWords(t, status.printer.fault)}</dd>
        </div>
        <div className={`device ${status.scanner.state}`} data-device="scanner">
          <dt>{t('scanner')}</dt>
          <dd>{scannerWords}</dd>
        </div>
        <div className={`device ${status.hub.state === 'online' ? 'ready' : 'fault'}`} data-device="hub">
          <dt>{t('hub')}</dt>
          <dd>
            {hubWords}
            {status.hub.pending > 0 ? ` · ${t('pending', { n: status.hub.pending })}` : ''}
          </dd>
        </div>
      </dl>
      <div className="row">
        <button type="button" className="secondary" data-action="reprint" onClick={() => void reprint()}>
          {t('reprint')}
        </button>
        <label className="inline">
          {t('kioskLanguage')}
          <select name="kiosk-locale" value={status.locale} onChange={(e) => void run('setLocale', { locale: e.target.value as Locale })}>
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>
      </div>
    </div>
  );
}

function TodayTab({ t, run, status }: TabProps) {
  const [f, setF] = useState<TodayFigures | null>(null);
  useEffect(() => {
    void run('getTodayFigures', {}).then((r) => r && setF(r));
  }, [run]);
  if (!f) return null;
  const rows: [string, string][] = [
    [t('sales'), String(f.sales)],
    [t('takings'), formatMoney(f.salesTotal, status.locale)],
    [t('memberSales'), String(f.memberSales)],
    [t('pointsIssued'), String(f.pointsIssued)],
    [t('pointsTakenBack'), String(f.pointsTakenBack)],
    [t('pointsRedeemed'), String(f.pointsRedeemed)],
    [t('redemptions'), String(f.redemptions)],
    [t('enrollments'), String(f.enrollments)],
    [t('refunds'), String(f.refunds)],
  ];
  return (
    <dl className="figures">
      {rows.map(([k, v]) => (
        <div key={k} className="figure">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
