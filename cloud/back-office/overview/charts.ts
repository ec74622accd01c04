import { formatMessage } from '../../../core/i18n/catalog';
import { INTL_LOCALE, type Locale } from '../../../core/i18n/locales';
import { ownerMessages } from '../../../core/i18n/owner';
import { ownerDataMessages } from '../../../core/i18n/owner-data';
import { SEGMENTS, type Dashboard } from '../../../core/metrics';
import { CURRENCIES, formatMoney, type CurrencyCode } from '../../../core/money';
import { segmentName, type OwnerKey } from '../../owner-pages';
import { asset } from '../../page-assets';

/**
 * The Overview's charts (Chart.js, served by the hub from node_modules): each drawn from JSON embedded
 * in the page by a script file of this hub (the CSP runs no inline script). Pure: figures in, JSON out.
 */

export const CHART_JS_PATH = '/owner/assets/chart.umd.js';

type DataKey = keyof typeof ownerDataMessages.en;

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
      SEGMENTS.map((s) => segmentName(locale, s)),
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
export const DASHBOARD_CSS = asset('dashboard.css', CHART_STYLE);
export const DASHBOARD_JS = asset('dashboard.js', DRAW_CHARTS);
