import { messageTexts } from '../core/i18n/messages';
import { formatMessage } from '../core/i18n/catalog';
import { formatInstant } from '../core/i18n/dates';
import { INTL_LOCALE, type Locale } from '../core/i18n/locales';
import { ownerMessages } from '../core/i18n/owner';
import { ownerDataMessages } from '../core/i18n/owner-data';
import { KPIS, SEGMENTS, type Dashboard, type Kpi } from '../core/metrics';
import { CURRENCIES, formatMoney, type CurrencyCode } from '../core/money';
import { escapeHtml } from './pages';
import { memberLabel, num, page, pct, table, tr, type OwnerKey } from './owner-pages';
import type { MemberLabel } from './owner-store';
import type { OwnerFrame } from './back-office/layout';
import { asset } from './page-assets';

/**
 * The owner's dashboard page, pure: figures in, HTML out. Every chart (Chart.js, served by the hub
 * from node_modules) is drawn from JSON embedded in the page and is followed by a table with the
 * same numbers, so the page reads without script, in a screen reader and in the tests.
 */

export const CHART_JS_PATH = '/owner/assets/chart.umd.js';

/** The inactive table lists the longest idle members only; the win-back button counts and reaches them all. */
export const INACTIVE_SHOWN = 100;

type DataKey = keyof typeof ownerDataMessages.en;

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

/** A Chart.js configuration: JSON only (the page's script adds the tooltip callback). */
interface ChartSpec {
  type: string;
  data: unknown;
  options?: Record<string, unknown>;
}

const PALETTE = ['#7a4e2d', '#d08c48', '#3f7f6e', '#9fc5b8', '#5b6c9a', '#c9b458', '#a4161a'];

/** The charts of the dashboard, by canvas id. Money is in major units (zł, Ft, Kč, €). */
export function dashboardCharts(d: Dashboard, locale: Locale, currency: CurrencyCode, dayNames: string[]): Record<string, ChartSpec> {
  const t = (key: DataKey): string => formatMessage(ownerDataMessages, locale, key);
  const o = (key: OwnerKey): string => formatMessage(ownerMessages, locale, key);
  const major = (amount: number | null): number | null => (amount === null ? null : amount / 10 ** CURRENCIES[currency].minorDigits);
  const money = (amount: number): string => formatMoney({ amount, currency }, INTL_LOCALE[locale]);
  const bar = (labels: string[], datasets: unknown[], options: Record<string, unknown> = {}): ChartSpec => ({
    type: 'bar',
    data: { labels, datasets },
    options: { responsive: true, maintainAspectRatio: false, ...options },
  });
  const maxSales = Math.max(1, ...d.heatmap.map((c) => c.sales));
  return {
    'chart-compare': bar(
      [t('membersGroup'), t('nonMembersGroup')],
      [
        { label: o('sales'), data: [d.memberSales, d.nonMemberSales], backgroundColor: PALETTE[0], yAxisID: 'y' },
        {
          label: `${t('averageSale')} (${currency})`,
          data: [major(d.averageSale.members), major(d.averageSale.nonMembers)],
          backgroundColor: PALETTE[1],
          yAxisID: 'y1',
        },
      ],
      { scales: { y: { beginAtZero: true, position: 'left' }, y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false } } } },
    ),
    'chart-retention': bar(
      [t('previousActive'), t('retained'), t('lapsed'), t('newActive')],
      [
        {
          label: t('count'),
          data: [d.retention.previousActive, d.retention.retained, d.retention.lapsed, d.retention.newActive],
          backgroundColor: [PALETTE[4], PALETTE[2], PALETTE[6], PALETTE[1]],
        },
      ],
      { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    ),
    'chart-locations': bar(
      d.locations.map((l) => l.location),
      [
        { label: o('memberSales'), data: d.locations.map((l) => l.memberSales), backgroundColor: PALETTE[0] },
        { label: o('nonMemberSales'), data: d.locations.map((l) => l.sales - l.memberSales), backgroundColor: PALETTE[1] },
      ],
      { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    ),
    'chart-segments': bar(
      [...SEGMENTS],
      [{ label: t('count'), data: SEGMENTS.map((s) => d.segments[s]), backgroundColor: [PALETTE[3], PALETTE[2], PALETTE[1], PALETTE[0]] }],
      { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    ),
    'chart-rewards': bar(
      d.rewards.map((r) => r.label),
      [{ label: o('redemptions'), data: d.rewards.map((r) => r.redemptions), backgroundColor: PALETTE[2] }],
      { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    ),
    // Weekday × hour as a matrix of bubbles: the bubble's area grows with the number of sales.
    'chart-heatmap': {
      type: 'bubble',
      data: {
        datasets: [
          {
            label: o('sales'),
            backgroundColor: `${PALETTE[0]}b0`,
            data: d.heatmap.map((c) => ({
              x: c.hour,
              y: dayNames[c.weekday - 1],
              r: Math.round(3 + 15 * Math.sqrt(c.sales / maxSales)),
              sales: c.sales,
              label: `${dayNames[c.weekday - 1]} ${String(c.hour).padStart(2, '0')}:00 · ${o('sales')}: ${c.sales} · ${money(c.total)}`,
            })),
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { type: 'linear', min: -1, max: 24, ticks: { stepSize: 1 }, title: { display: true, text: o('hour') } },
          y: { type: 'category', labels: dayNames, offset: true, reverse: false },
        },
      },
    },
  };
}

/** JSON inside <script type="application/json">: '<' escaped so no text can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Draws every chart of #chart-data with Chart.js; a data point may carry its own tooltip text (`label`). */
const DRAW_CHARTS = `(function () {
  var specs = JSON.parse(document.getElementById('chart-data').textContent);
  if (typeof Chart === 'undefined') return;
  Object.keys(specs).forEach(function (id) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    var spec = specs[id];
    spec.options = spec.options || {};
    spec.options.animation = false;
    spec.options.plugins = spec.options.plugins || {};
    spec.options.plugins.tooltip = { callbacks: { label: function (ctx) {
      return ctx.raw && ctx.raw.label ? ctx.raw.label : (ctx.dataset.label + ': ' + ctx.formattedValue);
    } } };
    // The heatmap's hour axis: whole hours 00–23 only (the axis runs from -1 to 24 so edge bubbles fit).
    if (spec.type === 'bubble') spec.options.scales.x.ticks.callback = function (v) {
      return v >= 0 && v <= 23 && v % 1 === 0 ? (v < 10 ? '0' : '') + v : '';
    };
    new Chart(canvas, spec);
  });
})();`;

const CHART_STYLE = `.chart{position:relative;height:260px;max-width:720px;margin:.5rem 0}.chart.tall{height:320px}
.flash{padding:.4rem .6rem;border:1px solid #3f7f6e;display:inline-block}.flash.error{border-color:#a4161a;color:#a4161a}
form.inline{display:inline-block;margin:.5rem 0}form.inline label{margin-right:.6rem}`;
const DASHBOARD_CSS = asset('dashboard.css', CHART_STYLE);
const DASHBOARD_JS = asset('dashboard.js', DRAW_CHARTS);

export function dashboardPage(m: DashboardModel): string {
  const { locale, figures: d } = m;
  const t = (key: OwnerKey, values?: Record<string, string | number>): string => tr(locale, key, values);
  const x = (key: DataKey, values?: Record<string, string | number>): string => escapeHtml(formatMessage(ownerDataMessages, locale, key, values));
  const money = (amount: number | null): string => (amount === null ? '—' : escapeHtml(formatMoney({ amount, currency: m.currency }, INTL_LOCALE[locale])));
  const memberName = (c: { memberId: string; name: string | null }): string => {
    const unnamed = c.name === null ? m.unnamed.get(c.memberId) : undefined;
    const label = unnamed ? memberLabel(locale, unnamed) : (c.name ?? '—');
    return `<a href="/owner/members/${encodeURIComponent(c.memberId)}">${escapeHtml(label)}</a>`;
  };
  const day = (iso: string): string => escapeHtml(formatInstant(iso, locale, m.timeZone, 'date'));
  const figureTable = (id: string, rows: [string, string, string][]): string =>
    `<div class="table-wrap"><table id="${id}"><thead><tr><th scope="col">${t('figure')}</th><th scope="col" class="n">${t('value')}</th></tr></thead><tbody>${rows
      .map(([fid, label, value]) => `<tr data-figure="${fid}"><th>${label}</th><td class="n">${value}</td></tr>`)
      .join('')}</tbody></table></div>`;
  const chart = (id: string, label: string, tall = false): string =>
    `<div class="chart${tall ? ' tall' : ''}"><canvas id="${id}" role="img" aria-label="${label}"></canvas></div>`;
  const weekday = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday: ISO weekday n is 2024-01-0n.
  const dayNames = [1, 2, 3, 4, 5, 6, 7].map((n) => weekday.format(new Date(Date.UTC(2024, 0, n))));

  const summary: [string, string, string][] = (
    [
      ['sales', 'sales', num(locale, d.sales)],
      ['memberSales', 'memberSales', num(locale, d.memberSales)],
      ['nonMemberSales', 'nonMemberSales', num(locale, d.nonMemberSales)],
      ['participation', 'participation', pct(locale, d.participation)],
      ['pointsEarned', 'pointsEarned', num(locale, d.pointsEarned)],
      ['pointsRedeemed', 'pointsRedeemed', num(locale, d.pointsRedeemed)],
      ['redemptionRate', 'redemptionRate', pct(locale, d.redemptionRate)],
      ['activeMembers', 'activeMembers', num(locale, d.activeMembers)],
      ['repeatRate', 'repeatRate', pct(locale, d.repeatRate)],
      ['visitFrequency', 'visitFrequency', num(locale, d.visitFrequency)],
      ['nonMembersRepeat', 'nonMembersRepeat', t('notMeasurable')],
      ['avgAll', 'avgAll', money(d.averageSale.all)],
      ['avgMembers', 'avgMembers', money(d.averageSale.members)],
      ['avgNonMembers', 'avgNonMembers', money(d.averageSale.nonMembers)],
    ] as [string, OwnerKey, string][]
  ).map(([id, key, value]) => [id, t(key), value]);
  summary.push(['retention', x('retentionRate'), pct(locale, d.retention.rate)]);

  // The KPI cards: this period, the previous one of the same length, and the change (rates in percentage points).
  const signed = (text: string, change: number | null): string => (change !== null && change > 0 ? `+${text}` : text);
  const kpiFormat: Record<Kpi, [OwnerKey, (v: number | null) => string]> = {
    participation: ['participation', (v) => pct(locale, v)],
    redemptionRate: ['redemptionRate', (v) => pct(locale, v)],
    repeatRate: ['repeatRate', (v) => pct(locale, v)],
    avgMembers: ['avgMembers', money],
    avgNonMembers: ['avgNonMembers', money],
    activeMembers: ['activeMembers', (v) => num(locale, v)],
  };
  const kpiTable = `<div class="table-wrap"><table id="kpis"><thead><tr><th scope="col">${t('figure')}</th><th scope="col" class="n">${t('value')}</th><th scope="col" class="n">${t('previousPeriod')}</th><th scope="col" class="n">${t('change')}</th></tr></thead><tbody>${KPIS.map(
    (k) => {
      const [label, format] = kpiFormat[k];
      const f = d.kpis[k];
      return `<tr data-kpi="${k}"><th>${t(label)}</th><td class="n">${format(f.value)}</td><td class="n">${format(f.previous)}</td><td class="n">${signed(format(f.change), f.change)}</td></tr>`;
    },
  ).join('')}</tbody></table></div>`;
  // The same figures as cards above everything: value, and the change against the previous period in words (the arrow is decoration).
  const kpiCards = `<ul class="kpi-cards" id="kpi-cards" aria-label="${t('kpi.title')}">${KPIS.map((k) => {
    const [label, format] = kpiFormat[k];
    const f = d.kpis[k];
    const trend = f.change === null || f.change === 0 ? 'flat' : f.change > 0 ? 'up' : 'down';
    const arrow = { up: '▲', down: '▼', flat: '•' }[trend];
    const change = f.change === null ? t('kpi.noPrevious') : t('kpi.change', { change: signed(format(f.change), f.change), previous: format(f.previous) });
    return `<li class="kpi" data-kpi="${k}"><p class="kpi-label">${t(label)}</p><p class="kpi-value">${format(f.value)}</p><p class="kpi-change ${trend}"><span aria-hidden="true">${arrow}</span> ${change}</p></li>`;
  }).join('')}</ul>`;

  const form = `<form method="get" action="/owner"><label>${t('from')} <input type="date" name="from" value="${escapeHtml(m.from)}"></label>
<label>${t('to')} <input type="date" name="to" value="${escapeHtml(m.to)}"></label>
<label>${t('location')} <select name="location"><option value="">${t('allLocations')}</option>${m.locations
    .map((l) => `<option value="${escapeHtml(l)}"${l === m.location ? ' selected' : ''}>${escapeHtml(l)}</option>`)
    .join('')}</select></label>
<label>${t('daysInactive')} <input type="number" name="inactive" min="0" value="${m.inactiveDays}" class="w5"></label>
<button>${t('show')}</button></form><p class="exports"><a href="/owner/export/ledger.csv" download id="export-ledger">${t('exportLedger')}</a></p><p>${x('chartNote')}</p>`;
  const flash = m.flash ? `<p class="flash${m.flash.error ? ' error' : ''}" id="flash" role="status">${escapeHtml(m.flash.text)}</p>` : '';
  const totals = {
    sales: d.locations.reduce((n, l) => n + l.sales, 0),
    memberSales: d.locations.reduce((n, l) => n + l.memberSales, 0),
    revenue: d.locations.reduce((n, l) => n + l.revenue, 0),
  };
  const locationRow = (l: { location: string; sales: number; memberSales: number; revenue: number }): string[] => [
    escapeHtml(l.location),
    num(locale, l.sales),
    num(locale, l.memberSales),
    pct(locale, l.sales === 0 ? null : l.memberSales / l.sales),
    money(l.revenue),
    money(l.sales === 0 ? null : Math.round(l.revenue / l.sales)),
  ];
  const winBack =
    d.inactive.length === 0
      ? ''
      : `<form method="post" action="/owner/winback" class="inline" id="winback">
<input type="hidden" name="csrf" value="${escapeHtml(m.frame.csrf)}"><input type="hidden" name="inactive" value="${m.inactiveDays}">
<input type="hidden" name="back" value="${escapeHtml(`/owner?from=${m.from}&to=${m.to}&location=${encodeURIComponent(m.location)}&inactive=${m.inactiveDays}`)}">
<label>${x('campaign')} <input name="campaign" value="${escapeHtml(m.campaign)}" pattern="[\\w-]{1,40}" required></label>
<label>${x('winBackPoints')} <input type="number" name="points" min="1" max="100000" value="50" required class="w6"></label>
<button>${x('winBackButton', { n: d.inactive.length })}</button>
<a href="/owner/messages/winback?inactive=${m.inactiveDays}" id="winback-preview-link">${escapeHtml(formatMessage(messageTexts, locale, 'owner.winBack.link'))}</a></form>`;

  const body =
    form +
    flash +
    kpiCards +
    kpiTable +
    figureTable('summary', summary) +
    `<h2>${x('compare')}</h2>` +
    chart('chart-compare', x('compare')) +
    table(
      'compare',
      [x('group'), t('sales'), x('revenue'), x('averageSale')],
      [
        [x('membersGroup'), num(locale, d.memberSales), money(d.revenue.members), money(d.averageSale.members)],
        [x('nonMembersGroup'), num(locale, d.nonMemberSales), money(d.revenue.nonMembers), money(d.averageSale.nonMembers)],
      ],
    ) +
    `<h2>${x('retention')}</h2>` +
    chart('chart-retention', x('retention')) +
    figureTable('retention', [
      ['previousActive', x('previousActive'), num(locale, d.retention.previousActive)],
      ['retained', x('retained'), num(locale, d.retention.retained)],
      ['lapsed', x('lapsed'), num(locale, d.retention.lapsed)],
      ['newActive', x('newActive'), num(locale, d.retention.newActive)],
      ['retentionRate', x('retentionRate'), pct(locale, d.retention.rate)],
    ]) +
    `<h2>${x('locations')}</h2>` +
    chart('chart-locations', x('locations')) +
    table(
      'locations',
      [x('location'), t('sales'), t('memberSales'), x('participation'), x('revenue'), x('averageSale')],
      [...d.locations.map(locationRow), locationRow({ location: formatMessage(ownerDataMessages, locale, 'together'), ...totals })],
    ) +
    `<h2>${t('top')}</h2>` +
    table(
      'top',
      [t('member'), t('visits'), t('spend'), t('lastVisit'), t('segment')],
      d.top.map((c) => [memberName(c), num(locale, c.visits), money(c.spend), day(c.lastAt), c.segment]),
    ) +
    `<h2>${t('segments')}</h2>` +
    chart('chart-segments', t('segments')) +
    table(
      'segments',
      [t('segment'), t('count')],
      SEGMENTS.map((s) => [s, num(locale, d.segments[s])]),
    ) +
    `<h2>${t('rewards')}</h2>` +
    chart('chart-rewards', t('rewards')) +
    table(
      'rewards',
      [t('reward'), t('redemptions'), t('points'), t('stamps')],
      d.rewards.map((r) => [escapeHtml(r.label), num(locale, r.redemptions), num(locale, r.points), num(locale, r.stamps)]),
    ) +
    `<h2>${t('heatmap')}</h2>` +
    chart('chart-heatmap', t('heatmap'), true) +
    table(
      'heatmap',
      [t('weekday'), t('hour'), t('sales'), t('total')],
      d.heatmap.map((c) => [escapeHtml(dayNames[c.weekday - 1]!), `${String(c.hour).padStart(2, '0')}:00`, num(locale, c.sales), money(c.total)]),
    ) +
    `<h2>${t('inactive', { days: m.inactiveDays })}</h2>` +
    winBack +
    table(
      'inactive',
      [t('member'), t('lastVisit'), t('daysInactive')],
      d.inactive.slice(0, INACTIVE_SHOWN).map((c) => [memberName(c), day(c.lastAt), num(locale, c.days)]),
    ) +
    `<script type="application/json" id="chart-data">${scriptJson(dashboardCharts(d, locale, m.currency, dayNames))}</script>` +
    `<script src="${CHART_JS_PATH}"></script><script src="${DASHBOARD_JS}"></script>`;
  return page(locale, t('nav.overview'), `<link rel="stylesheet" href="${DASHBOARD_CSS}">${body}`, m.frame);
}
