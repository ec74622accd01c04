import type { ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { formatInstant } from '../../../core/i18n/dates';
import { INTL_LOCALE, type Locale } from '../../../core/i18n/locales';
import { messageTexts } from '../../../core/i18n/messages';
import { ownerMessages } from '../../../core/i18n/owner';
import { ownerDataMessages } from '../../../core/i18n/owner-data';
import { KPIS, SEGMENTS, type Dashboard, type Kpi } from '../../../core/metrics';
import { formatMoney, type CurrencyCode } from '../../../core/money';
import { CAMPAIGN_FIELD_PATTERN } from '../../../core/owner-actions';
import { memberLabel, num, page, pct, segmentName, type OwnerKey } from '../../owner-pages';
import type { MemberLabel } from '../../owner-store';
import type { OwnerFrame } from '../layout';
import { DataTable } from '../table';
import { CHART_JS_PATH, DASHBOARD_CSS, DASHBOARD_JS, dashboardCharts, scriptJson } from './charts';

/**
 * The Overview: the period form, the headline KPI cards and tables, then each chart followed by a
 * table with the same numbers (so the page reads without script, in a screen reader and in the
 * tests), top customers, segments, rewards, the busy hours and the inactive members with the
 * win-back form and the inactive export. Pure: figures in, HTML out.
 */

/** The inactive table lists the longest idle members only; the win-back button counts and reaches them all. */
export const INACTIVE_SHOWN = 100;

type DataKey = keyof typeof ownerDataMessages.en;
type Values = Record<string, string | number>;

export interface DashboardModel {
  locale: Locale;
  /** The shop's time zone (shop settings): last visits are shown on the shop's clock. */
  timeZone: string;
  shopName: string;
  currency: CurrencyCode;
  from: string;
  to: string;
  /** '' for all locations. */
  location: string;
  locations: string[];
  inactiveDays: number;
  figures: Dashboard;
  /** Number and contact of the members without a name the figures list (top and inactive), by member id. */
  unnamed: ReadonlyMap<string, MemberLabel>;
  /** The frame's shop name and section, and the owner's CSRF token for the win-back form. */
  frame: OwnerFrame;
  /** A campaign id suggested for the win-back form (one bonus per member per campaign). */
  campaign: string;
  flash?: { text: string; error: boolean } | null;
}

/** The page's texts and formats in the viewer's language, shared by its parts. */
interface Words {
  locale: Locale;
  t: (key: OwnerKey, values?: Values) => string;
  x: (key: DataKey, values?: Values) => string;
  /** Money in the shop's currency; "—" for none. */
  money: (amount: number | null) => string;
  num: (n: number | null) => string;
  pct: (n: number | null) => string;
}

function words(locale: Locale, currency: CurrencyCode): Words {
  return {
    locale,
    t: (key, values) => formatMessage(ownerMessages, locale, key, values),
    x: (key, values) => formatMessage(ownerDataMessages, locale, key, values),
    money: (amount) => (amount === null ? '—' : formatMoney({ amount, currency }, INTL_LOCALE[locale])),
    num: (n) => num(locale, n),
    pct: (n) => pct(locale, n),
  };
}

/** The period, location and idle days the page shows, and the ledger export. */
function PeriodForm({ m, w }: { m: DashboardModel; w: Words }): ReactNode {
  const { t, x } = w;
  return (
    <>
      <form method="get" action="/owner">
        <label>
          {t('from')} <input type="date" name="from" defaultValue={m.from} />
        </label>{' '}
        <label>
          {t('to')} <input type="date" name="to" defaultValue={m.to} />
        </label>{' '}
        <label>
          {t('location')}{' '}
          <select name="location" defaultValue={m.location}>
            <option value="">{t('allLocations')}</option>
            {m.locations.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          {t('daysInactive')} <input type="number" name="inactive" min="0" defaultValue={m.inactiveDays} className="w5" />
        </label>{' '}
        <button>{t('show')}</button>
      </form>
      <p className="exports">
        <a href="/owner/export/ledger.csv" download id="export-ledger">
          {t('exportLedger')}
        </a>
      </p>
      <p>{x('chartNote')}</p>
    </>
  );
}

/** How each headline figure is named and formatted (rates as shares, averages as money). */
function kpiFormats(w: Words): Record<Kpi, [OwnerKey, (v: number | null) => string]> {
  return {
    participation: ['participation', w.pct],
    redemptionRate: ['redemptionRate', w.pct],
    repeatRate: ['repeatRate', w.pct],
    avgMembers: ['avgMembers', w.money],
    avgNonMembers: ['avgNonMembers', w.money],
    activeMembers: ['activeMembers', w.num],
  };
}

/** A change with its sign: "+3" for a rise (a fall already carries its minus). */
const signed = (text: string, change: number | null): string => (change !== null && change > 0 ? `+${text}` : text);

/** The headline figures as cards above everything: value, and the change against the previous period in words (the arrow is decoration). */
function KpiCards({ d, w }: { d: Dashboard; w: Words }): ReactNode {
  const { t } = w;
  const formats = kpiFormats(w);
  return (
    <ul className="kpi-cards" id="kpi-cards" aria-label={t('kpi.title')}>
      {KPIS.map((k) => {
        const [label, format] = formats[k];
        const f = d.kpis[k];
        const trend = f.change === null || f.change === 0 ? 'flat' : f.change > 0 ? 'up' : 'down';
        const arrow = { up: '▲', down: '▼', flat: '•' }[trend];
        const change = f.change === null ? t('kpi.noPrevious') : t('kpi.change', { change: signed(format(f.change), f.change), previous: format(f.previous) });
        return (
          <li key={k} className="kpi" data-kpi={k}>
            <p className="kpi-label">{t(label)}</p>
            <p className="kpi-value">{format(f.value)}</p>
            <p className={`kpi-change ${trend}`}>
              <span aria-hidden="true">{arrow}</span> {change}
            </p>
          </li>
        );
      })}
    </ul>
  );
}

/** The same headline figures as a table: this period, the previous one of the same length, and the change (rates in percentage points). */
function KpiTable({ d, w }: { d: Dashboard; w: Words }): ReactNode {
  const { t } = w;
  const formats = kpiFormats(w);
  const format = (k: Kpi, value: number | null): string => formats[k][1](value);
  return (
    <DataTable
      id="kpis"
      rowKey={(k) => k}
      rowData={(k) => ({ kpi: k })}
      columns={[
        { label: t('figure'), rowHeader: true, cell: (k) => t(formats[k][0]) },
        { label: t('value'), figure: true, cell: (k) => format(k, d.kpis[k].value) },
        { label: t('previousPeriod'), figure: true, cell: (k) => format(k, d.kpis[k].previous) },
        { label: t('change'), figure: true, cell: (k) => signed(format(k, d.kpis[k].change), d.kpis[k].change) },
      ]}
      rows={KPIS}
    />
  );
}

/** A figure of a figure table: its id (data-figure), its name and its formatted value. */
type Figure = [id: string, label: string, value: string];

/** Named figures, one a row, each row marked with its id (data-figure). */
function FigureTable({ id, rows, w }: { id: string; rows: readonly Figure[]; w: Words }): ReactNode {
  return (
    <DataTable
      id={id}
      rowKey={([fid]) => fid}
      rowData={([fid]) => ({ figure: fid })}
      columns={[
        { label: w.t('figure'), rowHeader: true, cell: ([, label]) => label },
        { label: w.t('value'), figure: true, cell: ([, , value]) => value },
      ]}
      rows={rows}
    />
  );
}

/** A chart's canvas, drawn by the page's script from #chart-data; its name for screen readers. */
function Chart({ id, label, tall = false }: { id: string; label: string; tall?: boolean }): ReactNode {
  return (
    <div className={tall ? 'chart tall' : 'chart'}>
      <canvas id={id} role="img" aria-label={label} />
    </div>
  );
}

/** The win-back bonus for every member inactive longer than the page's days (none listed: no form). */
function WinBackForm({ m, w }: { m: DashboardModel; w: Words }): ReactNode {
  const { x } = w;
  const inactive = m.figures.inactive.length;
  if (inactive === 0) return null;
  return (
    <form method="post" action="/owner/winback" className="inline" id="winback">
      <input type="hidden" name="csrf" value={m.frame.csrf} />
      <input type="hidden" name="inactive" value={m.inactiveDays} />
      <input type="hidden" name="back" value={`/owner?from=${m.from}&to=${m.to}&location=${encodeURIComponent(m.location)}&inactive=${m.inactiveDays}`} />
      <label>
        {x('campaign')} <input name="campaign" defaultValue={m.campaign} pattern={CAMPAIGN_FIELD_PATTERN} required />
      </label>{' '}
      <label>
        {x('winBackPoints')} <input type="number" name="points" min="1" max="100000" defaultValue={50} required className="w6" />
      </label>{' '}
      <button>{x('winBackButton', { n: inactive })}</button>{' '}
      <a href={`/owner/messages/winback?inactive=${m.inactiveDays}`} id="winback-preview-link">
        {formatMessage(messageTexts, m.locale, 'owner.winBack.link')}
      </a>
    </form>
  );
}

export function OverviewBody(m: DashboardModel): ReactNode {
  const { locale, figures: d } = m;
  const w = words(locale, m.currency);
  const { t, x, money } = w;
  const memberName = (c: { memberId: string; name: string | null }): ReactNode => {
    const unnamed = c.name === null ? m.unnamed.get(c.memberId) : undefined;
    return <a href={`/owner/members/${encodeURIComponent(c.memberId)}`}>{unnamed ? memberLabel(locale, unnamed) : (c.name ?? '—')}</a>;
  };
  const day = (iso: string): string => formatInstant(iso, locale, m.timeZone, 'date');
  const weekday = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday: ISO weekday n is 2024-01-0n.
  const dayNames = [1, 2, 3, 4, 5, 6, 7].map((n) => weekday.format(new Date(Date.UTC(2024, 0, n))));

  const summary: Figure[] = (
    [
      ['sales', w.num(d.sales)],
      ['memberSales', w.num(d.memberSales)],
      ['nonMemberSales', w.num(d.nonMemberSales)],
      ['participation', w.pct(d.participation)],
      ['pointsEarned', w.num(d.pointsEarned)],
      ['pointsRedeemed', w.num(d.pointsRedeemed)],
      ['redemptionRate', w.pct(d.redemptionRate)],
      ['activeMembers', w.num(d.activeMembers)],
      ['repeatRate', w.pct(d.repeatRate)],
      ['visitFrequency', w.num(d.visitFrequency)],
      ['nonMembersRepeat', t('notMeasurable')],
      ['avgAll', money(d.averageSale.all)],
      ['avgMembers', money(d.averageSale.members)],
      ['avgNonMembers', money(d.averageSale.nonMembers)],
    ] as [OwnerKey, string][]
  ).map(([key, value]): Figure => [key, t(key), value]);
  summary.push(['retention', x('retentionRate'), w.pct(d.retention.rate)]);

  const totals = {
    location: x('together'),
    sales: d.locations.reduce((n, l) => n + l.sales, 0),
    memberSales: d.locations.reduce((n, l) => n + l.memberSales, 0),
    revenue: d.locations.reduce((n, l) => n + l.revenue, 0),
  };

  return (
    <>
      <PeriodForm m={m} w={w} />
      {m.flash ? (
        <p className={m.flash.error ? 'flash error' : 'flash'} id="flash" role="status">
          {m.flash.text}
        </p>
      ) : null}
      <KpiCards d={d} w={w} />
      <KpiTable d={d} w={w} />
      <FigureTable id="summary" rows={summary} w={w} />

      <h2>{x('compare')}</h2>
      <Chart id="chart-compare" label={x('compare')} />
      <DataTable
        id="compare"
        columns={[
          { label: x('group'), cell: (g) => g.name },
          { label: t('sales'), figure: true, cell: (g) => w.num(g.sales) },
          { label: x('revenue'), figure: true, cell: (g) => money(g.revenue) },
          { label: x('averageSale'), figure: true, cell: (g) => money(g.average) },
        ]}
        rows={[
          { name: x('membersGroup'), sales: d.memberSales, revenue: d.revenue.members, average: d.averageSale.members },
          { name: x('nonMembersGroup'), sales: d.nonMemberSales, revenue: d.revenue.nonMembers, average: d.averageSale.nonMembers },
        ]}
      />

      <h2>{x('retention')}</h2>
      <Chart id="chart-retention" label={x('retention')} />
      <FigureTable
        id="retention"
        w={w}
        rows={[
          ['previousActive', x('previousActive'), w.num(d.retention.previousActive)],
          ['retained', x('retained'), w.num(d.retention.retained)],
          ['lapsed', x('lapsed'), w.num(d.retention.lapsed)],
          ['newActive', x('newActive'), w.num(d.retention.newActive)],
          ['retentionRate', x('retentionRate'), w.pct(d.retention.rate)],
        ]}
      />

      <h2>{x('locations')}</h2>
      <Chart id="chart-locations" label={x('locations')} />
      <DataTable
        id="locations"
        columns={[
          { label: x('location'), cell: (l) => l.location },
          { label: t('sales'), figure: true, cell: (l) => w.num(l.sales) },
          { label: t('memberSales'), figure: true, cell: (l) => w.num(l.memberSales) },
          { label: x('participation'), figure: true, cell: (l) => w.pct(l.sales === 0 ? null : l.memberSales / l.sales) },
          { label: x('revenue'), figure: true, cell: (l) => money(l.revenue) },
          { label: x('averageSale'), figure: true, cell: (l) => money(l.sales === 0 ? null : Math.round(l.revenue / l.sales)) },
        ]}
        rows={[...d.locations, totals]}
      />

      <h2>{t('top')}</h2>
      <DataTable
        id="top"
        rowKey={(c) => c.memberId}
        columns={[
          { label: t('member'), cell: memberName },
          { label: t('visits'), figure: true, cell: (c) => w.num(c.visits) },
          { label: t('spend'), figure: true, cell: (c) => money(c.spend) },
          { label: t('lastVisit'), cell: (c) => day(c.lastAt) },
          { label: t('segment'), cell: (c) => segmentName(locale, c.segment) },
        ]}
        rows={d.top}
      />

      <h2>{t('segments')}</h2>
      <Chart id="chart-segments" label={t('segments')} />
      <DataTable
        id="segments"
        rowKey={(s) => s}
        columns={[
          { label: t('segment'), cell: (s) => segmentName(locale, s) },
          { label: t('count'), figure: true, cell: (s) => w.num(d.segments[s]) },
        ]}
        rows={SEGMENTS}
      />

      <h2>{t('rewards')}</h2>
      <Chart id="chart-rewards" label={t('rewards')} />
      <DataTable
        id="rewards"
        columns={[
          { label: t('reward'), cell: (r) => r.label },
          { label: t('redemptions'), figure: true, cell: (r) => w.num(r.redemptions) },
          { label: t('points'), figure: true, cell: (r) => w.num(r.points) },
          { label: t('stamps'), figure: true, cell: (r) => w.num(r.stamps) },
        ]}
        rows={d.rewards}
      />

      <h2>{t('heatmap')}</h2>
      <Chart id="chart-heatmap" label={t('heatmap')} tall />
      <DataTable
        id="heatmap"
        columns={[
          { label: t('weekday'), cell: (c) => dayNames[c.weekday - 1] },
          { label: t('hour'), cell: (c) => `${String(c.hour).padStart(2, '0')}:00` },
          { label: t('sales'), figure: true, cell: (c) => w.num(c.sales) },
          { label: t('total'), figure: true, cell: (c) => money(c.total) },
        ]}
        rows={d.heatmap}
      />

      <h2>{t('inactive', { days: m.inactiveDays })}</h2>
      {/* The whole list, not only the rows shown below. */}
      <p className="exports">
        <a href={`/owner/export/inactive-members.csv?inactive=${m.inactiveDays}`} download id="export-inactive">
          {t('exportInactive')}
        </a>
      </p>
      <WinBackForm m={m} w={w} />
      <DataTable
        id="inactive"
        rowKey={(c) => c.memberId}
        columns={[
          { label: t('member'), cell: memberName },
          { label: t('lastVisit'), cell: (c) => day(c.lastAt) },
          { label: t('daysInactive'), figure: true, cell: (c) => w.num(c.days) },
        ]}
        rows={d.inactive.slice(0, INACTIVE_SHOWN)}
      />

      {/* The charts' figures as data (not run: the CSP runs scripts only as files), '<' escaped so no text can close the element. */}
      <script type="application/json" id="chart-data" dangerouslySetInnerHTML={{ __html: scriptJson(dashboardCharts(d, locale, m.currency, dayNames)) }} />
    </>
  );
}

/** The Overview in the back office's frame. */
export function dashboardPage(m: DashboardModel): string {
  return page(m.locale, formatMessage(ownerMessages, m.locale, 'nav.overview'), <OverviewBody {...m} />, m.frame, {
    styles: [DASHBOARD_CSS],
    scripts: [CHART_JS_PATH, DASHBOARD_JS],
  });
}
