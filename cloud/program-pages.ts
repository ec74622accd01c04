import { formatMessage } from '../core/i18n/catalog';
import { formatInstant } from '../core/i18n/dates';
import { INTL_LOCALE, type Locale } from '../core/i18n/locales';
import { programMessages } from '../core/i18n/program';
import { settingsMessages } from '../core/i18n/settings';
import { DEFAULT_SAMPLES, formAmount } from '../core/program/form';
import type { PreviewLine } from '../core/program/preview';
import { ruleTypes, type Program, type ProgramIssue, type Rule } from '../core/program/schema';
import { otherLanguages } from '../core/program/texts';
import { page } from './owner-pages';
import { escapeHtml } from './pages';
import { asset } from './page-assets';

/**
 * The owner's program editor, server-rendered: every input is named by its path in the program
 * document (core/program/form), so an error's path finds its input. A small inline script posts the
 * draft to /owner/program/preview as the owner types and shows the preview lines and the errors;
 * without script the page still works (publish re-renders it with the errors). Pure: data in, HTML out.
 */

type Key = keyof typeof programMessages.en;
type Kind = 'text' | 'money' | 'int' | 'decimal' | 'time' | 'date';

export interface VersionRow {
  version: number;
  effectiveFrom: string;
  publishedAt: string;
  state: 'inEffect' | 'scheduled' | 'superseded';
  kiosks: string[];
}

export interface EditorModel {
  locale: Locale;
  /** The shop's time zone (shop settings): the versions' starts are shown on the shop's clock. */
  timeZone: string;
  /** The program the form starts from (the latest version). */
  program: Program;
  /** Values the owner typed (a refused publish shows them again), by input name. */
  values?: ReadonlyMap<string, readonly string[]>;
  errors?: readonly ProgramIssue[];
  preview: readonly (PreviewLine & { row: number })[];
  versions: readonly VersionRow[];
  /** Set after a publication: its number and start, already formatted. */
  published?: { version: number; from: string };
  /** No version published yet: the form holds the first-run wizard's template (or the start-up program), a draft. */
  draft?: boolean;
  /** datetime-local value of "publish from", in the shop's zone. */
  publishFrom?: string;
  /** The owner session's CSRF token, for the navigation's "Log out" (none with the bearer token). */
  csrf?: string;
  /** The languages the shop offers (its settings): names and labels get a text in each besides the program's own. */
  languages?: readonly Locale[];
}

const RULE_FIELDS: Record<Rule['type'], [string, Key, Kind][]> = {
  points: [
    ['label', 'label', 'text'],
    ['unit', 'unit', 'money'],
    ['minSale', 'minSale', 'money'],
  ],
  stamps: [
    ['label', 'label', 'text'],
    ['cardSize', 'cardSize', 'int'],
    ['category', 'category', 'text'],
    ['minSale', 'minSale', 'money'],
  ],
  multiplier: [
    ['label', 'label', 'text'],
    ['multiplier', 'multiplier', 'decimal'],
  ],
  spendBonus: [
    ['label', 'label', 'text'],
    ['threshold', 'threshold', 'money'],
    ['points', 'points', 'int'],
  ],
  welcome: [
    ['label', 'label', 'text'],
    ['points', 'points', 'int'],
  ],
  birthday: [
    ['label', 'label', 'text'],
    ['points', 'points', 'int'],
  ],
  winBack: [
    ['label', 'label', 'text'],
    ['afterDays', 'afterDays', 'int'],
    ['points', 'points', 'int'],
  ],
  milestone: [
    ['label', 'label', 'text'],
    ['visit', 'visit', 'int'],
    ['points', 'points', 'int'],
  ],
  referral: [
    ['label', 'label', 'text'],
    ['referrerPoints', 'referrerPoints', 'int'],
    ['referredPoints', 'referredPoints', 'int'],
  ],
};

const SCRIPT = `(() => {
  const form = document.getElementById('editor');
  let timer, seq = 0;
  const update = async () => {
    const mine = ++seq;
    const fields = [...new FormData(form)].map(([k, v]) => [k, String(v)]);
    let data;
    try {
      const res = await fetch('/owner/program/preview', { method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': (form.elements.namedItem('csrf') || { value: '' }).value },
        body: JSON.stringify({ fields }) });
      data = await res.json();
    } catch { return; }
    if (mine !== seq) return;
    for (const el of document.querySelectorAll('[data-error-for]')) el.textContent = '';
    const loose = document.getElementById('form-errors');
    loose.textContent = '';
    for (const e of data.errors || []) {
      const el = document.querySelector('[data-error-for="' + CSS.escape(e.path) + '"]');
      if (el) el.textContent = (el.textContent ? el.textContent + ' ' : '') + e.message;
      else { const li = document.createElement('li'); li.textContent = e.path + ': ' + e.message; loose.append(li); }
    }
    document.getElementById('preview').classList.toggle('stale', (data.errors || []).length > 0);
    for (const line of data.lines || []) {
      const text = document.querySelector('[data-preview="' + line.row + '"]');
      const why = document.querySelector('[data-reasons="' + line.row + '"]');
      if (text) text.textContent = line.text;
      if (why) why.textContent = line.reasons.join(' · ');
    }
  };
  // The fields of the chosen kind only (an added rule, an added reward, its cost).
  const shown = () => {
    for (const el of form.querySelectorAll('[data-show-for]')) {
      const chooser = form.querySelector('[name="' + CSS.escape(el.dataset.showFor) + '"]');
      if (chooser) el.hidden = !el.dataset.showValues.split(' ').includes(chooser.value);
    }
  };
  shown();
  form.addEventListener('change', shown);
  const later = () => { clearTimeout(timer); timer = setTimeout(update, 120); };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
})();`;

const STYLE = `fieldset{margin:.5rem 0;border:1px solid #ccc}label{margin-right:.8rem;display:inline-block}input[type=text]{width:8rem}
.error{color:#a4161a;margin-left:.3rem}input[name$=".pattern"],input[name$=".items"]{width:14rem}.stale td{color:#888}#preview td{vertical-align:top}.ok{color:#1b5e20}`;
const PROGRAM_CSS = asset('program.css', STYLE);
const PROGRAM_JS = asset('program.js', SCRIPT);

export function programEditorPage(m: EditorModel): string {
  const { locale, program } = m;
  const t = (key: Key, values: Record<string, string | number> = {}): string => escapeHtml(formatMessage(programMessages, locale, key, values));
  const errorsAt = new Map<string, string[]>();
  for (const e of m.errors ?? []) errorsAt.set(e.path, [...(errorsAt.get(e.path) ?? []), e.message]);
  const rendered = new Set<string>();

  const stored = (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), program);
  const typed = (path: string): readonly string[] | undefined => m.values?.get(path);
  const error = (path: string): string => {
    rendered.add(path);
    return `<span class="error" data-error-for="${escapeHtml(path)}">${escapeHtml((errorsAt.get(path) ?? []).join(' '))}</span>`;
  };
  const field = (path: string, label: Key, kind: Kind, fallback?: unknown): string => {
    const raw = stored(path) ?? fallback;
    const value = typed(path)?.[0] ?? (kind === 'money' ? formAmount(raw as number | undefined, program.currency) : raw === undefined ? '' : String(raw));
    const type = kind === 'time' ? 'time' : kind === 'date' ? 'date' : 'text';
    const mode = kind === 'money' || kind === 'decimal' ? ' inputmode="decimal"' : kind === 'int' ? ' inputmode="numeric"' : '';
    return `<label>${t(label)} <input type="${type}" name="${escapeHtml(path)}" value="${escapeHtml(value)}"${mode}></label>${error(path)}`;
  };
  const select = (path: string, label: Key, options: [string, Key][], fallback = ''): string => {
    const current = typed(path)?.[0] ?? String(stored(path) ?? fallback);
    return `<label>${t(label)} <select name="${escapeHtml(path)}">${options
      .map(([value, text]) => `<option value="${value}"${value === current ? ' selected' : ''}>${t(text)}</option>`)
      .join('')}</select></label>${error(path)}`;
  };
  const weekdayName = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'short', timeZone: 'UTC' });
  const longWeekday = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday: ISO weekday n is 2024-01-0n.
  const dayName = (n: number, long = false): string => escapeHtml((long ? longWeekday : weekdayName).format(new Date(Date.UTC(2024, 0, n))));
  const weekdays = (path: string): string => {
    const chosen =
      typed(path)
        ?.filter((v) => v !== '')
        .map(Number) ??
      (stored(path) as number[] | undefined) ??
      [];
    return `<span>${t('weekdays')}: <input type="hidden" name="${path}" value="">${[1, 2, 3, 4, 5, 6, 7]
      .map((d) => `<label><input type="checkbox" name="${path}" value="${d}"${chosen.includes(d) ? ' checked' : ''}>${dayName(d)}</label>`)
      .join('')}</span>${error(path)}`;
  };
  // A name's or label's text in each of the shop's other languages (core/program/texts.ts), empty: the program's own text.
  const languageName = new Intl.DisplayNames(INTL_LOCALE[locale], { type: 'language' });
  const others = otherLanguages(program, m.languages ?? []);
  const translations = (path: string): string =>
    others
      .map((language) => {
        const at = `${path}.${language}`;
        const value = typed(at)?.[0] ?? String(stored(at) ?? '');
        return `<label lang="${language}">${escapeHtml(languageName.of(language) ?? language)} <input type="text" name="${at}" value="${escapeHtml(value)}"></label>${error(at)}`;
      })
      .join('');
  const remove = (path: string): string =>
    `<label><input type="checkbox" name="${path}._remove"${typed(`${path}._remove`) ? ' checked' : ''}> ${t('remove')}</label>`;
  const when = (path: string): string =>
    weekdays(`${path}.weekdays`) +
    '<br>' +
    field(`${path}.from`, 'from', 'time') +
    field(`${path}.to`, 'to', 'time') +
    field(`${path}.startDate`, 'startDate', 'date') +
    field(`${path}.endDate`, 'endDate', 'date');

  const ruleSet = (rule: Rule, i: number): string => {
    const at = `rules.${i}`;
    let body = RULE_FIELDS[rule.type].map(([name, label, kind]) => field(`${at}.${name}`, label, kind)).join('');
    if (rule.type === 'stamps' || rule.type === 'multiplier') body += translations(`${at}.labels`);
    if (rule.type === 'points') {
      body +=
        select(`${at}.rounding`, 'rounding', [
          ['floor', 'floor'],
          ['halfUp', 'halfUp'],
        ]) +
        '<br>' +
        rule.bands
          .map(
            (_, j) =>
              `${t('band')} ${j + 1}: ${j < rule.bands.length - 1 ? field(`${at}.bands.${j}.upTo`, 'upTo', 'money') : ''}${field(
                `${at}.bands.${j}.points`,
                'points',
                'int',
              )}`,
          )
          .join('<br>');
    }
    if (rule.type === 'stamps')
      body += select(`${at}.per`, 'per', [
        ['sale', 'perSale'],
        ['item', 'perItem'],
      ]);
    if (rule.type === 'birthday')
      body += select(`${at}.window`, 'window', [
        ['day', 'windowDay'],
        ['week', 'windowWeek'],
        ['month', 'windowMonth'],
      ]);
    if (rule.type === 'multiplier') body += '<br>' + when(`${at}.when`);
    return `<fieldset id="${at}"><legend>${t(`type.${rule.type}`)}${'label' in rule && rule.label ? ` · ${escapeHtml(rule.label)}` : ''}</legend>${error(at)}${error(`${at}.type`)}${body} ${remove(at)}</fieldset>`;
  };

  // "Add a rule": the kind selector and, once each, the fields of every kind; the script shows those of
  // the chosen kind, and programFromForm keeps only those (RULE_KEYS) whatever the browser sent.
  const n = program.rules.length;
  const at = `rules.${n}`;
  const kinds = (types: readonly Rule['type'][], body: string): string =>
    `<span data-show-for="${at}.type" data-show-values="${types.join(' ')}">${body}</span>`;
  const addRule = `<fieldset id="${at}"><legend>${t('addRule')}</legend>
<label><input type="checkbox" name="${at}._add"${typed(`${at}._add`) ? ' checked' : ''}> ${t('addRule')}</label>
${select(
  `${at}.type`,
  'kind',
  ruleTypes.map((type) => [type, `type.${type}`]),
  'multiplier',
)}${error(at)}<br>
${field(`${at}.label`, 'label', 'text')}${kinds(['stamps', 'multiplier'], translations(`${at}.labels`))}
${kinds(
  ['points'],
  field(`${at}.unit`, 'unit', 'money', 100) +
    field(`${at}.bands.0.points`, 'points', 'int', 1) +
    select(`${at}.rounding`, 'rounding', [
      ['floor', 'floor'],
      ['halfUp', 'halfUp'],
    ]),
)}
${kinds(['points', 'stamps'], field(`${at}.minSale`, 'minSale', 'money'))}
${kinds(
  ['stamps'],
  field(`${at}.cardSize`, 'cardSize', 'int', 9) +
    select(`${at}.per`, 'per', [
      ['sale', 'perSale'],
      ['item', 'perItem'],
    ]) +
    field(`${at}.category`, 'category', 'text'),
)}
${kinds(['spendBonus'], field(`${at}.threshold`, 'threshold', 'money'))}
${kinds(['winBack'], field(`${at}.afterDays`, 'afterDays', 'int'))}
${kinds(['milestone'], field(`${at}.visit`, 'visit', 'int'))}
${kinds(['spendBonus', 'welcome', 'birthday', 'winBack', 'milestone'], field(`${at}.points`, 'points', 'int'))}
${kinds(
  ['birthday'],
  select(`${at}.window`, 'window', [
    ['day', 'windowDay'],
    ['week', 'windowWeek'],
    ['month', 'windowMonth'],
  ]),
)}
${kinds(['referral'], field(`${at}.referrerPoints`, 'referrerPoints', 'int') + field(`${at}.referredPoints`, 'referredPoints', 'int'))}
${kinds(['multiplier'], field(`${at}.multiplier`, 'multiplier', 'decimal', 2) + '<br>' + when(`${at}.when`))}</fieldset>`;

  // The first level of new tiers shows its threshold 0 as "0", read right by either basis.
  const levelSet = (i: number, basis: string, legend: string, extra = ''): string => {
    const at = `tiers.levels.${i}`;
    return `<fieldset id="${at}"><legend>${legend}</legend>${extra}${error(at)}${field(`${at}.name`, 'levelName', 'text')}${translations(`${at}.names`)}${field(
      `${at}.threshold`,
      'threshold',
      basis === 'spend' ? 'money' : 'int',
      i === 0 ? 0 : undefined,
    )}${field(`${at}.multiplier`, 'multiplier', 'decimal')}${field(`${at}.discountPercent`, 'discountPercent', 'int')}`;
  };
  const addCheckbox = (name: string, label: Key): string => `<label><input type="checkbox" name="${name}"${typed(name) ? ' checked' : ''}> ${t(label)}</label>`;
  const tierHead =
    select(
      'tiers.basis',
      'basis',
      [
        ['spend', 'basisSpend'],
        ['visits', 'basisVisits'],
      ],
      'spend',
    ) + field('tiers.windowDays', 'windowDays', 'int', 365);
  const levelCount = program.tiers?.levels.length ?? 0;
  // Thresholds are amounts when tiers go by spend; a basis just changed on the page applies after a publish or refusal.
  const basisNow = typed('tiers.basis')?.[0] ?? program.tiers?.basis ?? 'spend';
  const tiers = program.tiers
    ? `<h2>${t('tiers')}</h2><fieldset id="tiers">${tierHead}</fieldset>${program.tiers.levels
        .map((level, i) => `${levelSet(i, program.tiers!.basis, escapeHtml(level.name))} ${remove(`tiers.levels.${i}`)}</fieldset>`)
        .join('')}${levelSet(levelCount, basisNow, t('addTierLevel'), addCheckbox(`tiers.levels.${levelCount}._add`, 'addTierLevel'))}</fieldset>`
    : `<h2>${t('tiers')}</h2><fieldset id="tiers">${addCheckbox('tiers._add', 'addTiers')} ${tierHead}${error('tiers')}</fieldset>${levelSet(
        0,
        'visits',
        t('addTiers'),
      )}</fieldset>`;

  const rewards = program.rewards
    .map((reward, i) => {
      const at = `rewards.${i}`;
      const cost = 'points' in reward.cost ? field(`${at}.cost.points`, 'points', 'int') : field(`${at}.cost.stamps`, 'stamps', 'int');
      const kind =
        reward.kind === 'percentOff'
          ? field(`${at}.percent`, 'percent', 'int')
          : reward.kind === 'amountOff'
            ? field(`${at}.amount`, 'amount', 'money')
            : field(`${at}.product`, 'product', 'text');
      return `<fieldset id="${at}"><legend>${escapeHtml(reward.name)}</legend>${error(at)}${error(`${at}.id`)}${field(`${at}.name`, 'name', 'text')}${translations(`${at}.names`)} ${t('cost')}: ${cost}${error(`${at}.cost`)} ${kind} ${remove(at)}</fieldset>`;
    })
    .join('');

  const r = program.rewards.length;
  // "Paid with": points, or the stamps of one of the program's stamp cards (a stamp-card reward).
  const cards = program.rules.filter((rule): rule is Extract<Rule, { type: 'stamps' }> => rule.type === 'stamps');
  const paidWith = (path: string): string => {
    const current = typed(path)?.[0] ?? '';
    return `<label>${t('paidWith')} <select name="${path}"><option value="">${t('points')}</option>${cards
      .map(
        (card) => `<option value="${escapeHtml(card.id)}"${card.id === current ? ' selected' : ''}>${t('stampsOf', { card: card.label ?? card.id })}</option>`,
      )
      .join('')}</select></label>${error(path)}`;
  };
  const addReward = `<fieldset id="rewards.${r}"><legend>${t('addReward')}</legend>
<label><input type="checkbox" name="rewards.${r}._add"${typed(`rewards.${r}._add`) ? ' checked' : ''}> ${t('addReward')}</label>
${select(`rewards.${r}.kind`, 'kind', [
  ['percentOff', 'percent'],
  ['amountOff', 'amount'],
  ['freeProduct', 'product'],
])}
${field(`rewards.${r}.name`, 'name', 'text')}${translations(`rewards.${r}.names`)} ${paidWith(`rewards.${r}.cost.card`)}
<span data-show-for="rewards.${r}.cost.card" data-show-values="">${field(`rewards.${r}.cost.points`, 'points', 'int')}</span>
<span data-show-for="rewards.${r}.cost.card" data-show-values="${escapeHtml(cards.map((c) => c.id).join(' '))}">${field(`rewards.${r}.cost.stamps`, 'stamps', 'int')}</span>${error(`rewards.${r}.cost`)}<br>
<span data-show-for="rewards.${r}.kind" data-show-values="percentOff">${field(`rewards.${r}.percent`, 'percent', 'int')}</span>
<span data-show-for="rewards.${r}.kind" data-show-values="amountOff">${field(`rewards.${r}.amount`, 'amount', 'money')}</span>
<span data-show-for="rewards.${r}.kind" data-show-values="freeProduct">${field(`rewards.${r}.product`, 'product', 'text')}</span></fieldset>`;

  // Category cards: the keys and item patterns of each category a stamp card counts, under that category,
  // each input at its path in the document; "add" rows take any category (a card added on this page too).
  const cardsByCategory = new Map<string, string[]>();
  for (const rule of program.rules) {
    if (rule.type === 'stamps' && rule.category !== undefined)
      cardsByCategory.set(rule.category, [...(cardsByCategory.get(rule.category) ?? []), rule.label ?? rule.id]);
  }
  const keyList = program.categories?.keys ?? [];
  const patternList = program.categories?.itemPatterns ?? [];
  const firstCategory = [...cardsByCategory.keys()][0] ?? '';
  const categoryInput = (path: string): string => {
    const value = typed(path)?.[0] ?? firstCategory;
    return `<label>${t('category')} <input type="text" name="${escapeHtml(path)}" list="category-names" value="${escapeHtml(value)}"></label>${error(path)}`;
  };
  const categoryGroups = [...cardsByCategory]
    .map(([category, cards]) => {
      const keys = keyList
        .map((key, i) => [key, i] as const)
        .filter(([key]) => key.category === category)
        .map(
          ([, i]) =>
            `<div>${field(`categories.keys.${i}.label`, 'keyLabel', 'text')}${error(`categories.keys.${i}.category`)} ${remove(`categories.keys.${i}`)}</div>`,
        )
        .join('');
      const patterns = patternList
        .map((item, i) => [item, i] as const)
        .filter(([item]) => item.category === category)
        .map(
          ([, i]) =>
            `<div>${field(`categories.itemPatterns.${i}.pattern`, 'pattern', 'text')}${error(`categories.itemPatterns.${i}.category`)} ${remove(`categories.itemPatterns.${i}`)}</div>`,
        )
        .join('');
      return `<fieldset class="category" data-category="${escapeHtml(category)}"><legend>${t('categoryCard', { category, cards: cards.join(', ') })}</legend>${keys}${patterns}</fieldset>`;
    })
    .join('');
  const k = keyList.length;
  const p = patternList.length;
  const categoriesSection = `<h2>${t('categories')}</h2><p>${t('categoriesNote')}</p>${
    cardsByCategory.size === 0 ? `<p id="no-category-cards">${t('noCategoryCards')}</p>` : ''
  }<datalist id="category-names">${[...cardsByCategory.keys()].map((c) => `<option value="${escapeHtml(c)}">`).join('')}</datalist>${categoryGroups}
<fieldset id="categories.keys.${k}"><legend>${t('addKey')}</legend>${addCheckbox(`categories.keys.${k}._add`, 'addKey')} ${field(
    `categories.keys.${k}.label`,
    'keyLabel',
    'text',
  )}${categoryInput(`categories.keys.${k}.category`)}</fieldset>
<fieldset id="categories.itemPatterns.${p}"><legend>${t('addPattern')}</legend>${addCheckbox(`categories.itemPatterns.${p}._add`, 'addPattern')} ${field(
    `categories.itemPatterns.${p}.pattern`,
    'pattern',
    'text',
  )}${categoryInput(`categories.itemPatterns.${p}.category`)}</fieldset>`;

  const rules = program.rules.map((rule, i) => [rule, i] as const);
  const tierOptions = (row: number): string => {
    const current = typed(`sample.${row}.tier`)?.[0] ?? '';
    return `<option value="">${t('noTier')}</option>${(program.tiers?.levels ?? [])
      .map((level) => `<option value="${escapeHtml(level.id)}"${level.id === current ? ' selected' : ''}>${escapeHtml(level.name)}</option>`)
      .join('')}`;
  };
  const samples = DEFAULT_SAMPLES.map((sample, row) => {
    const value = (name: string, fallback: string): string => escapeHtml(typed(`sample.${row}.${name}`)?.[0] ?? fallback);
    const weekday = Number(typed(`sample.${row}.weekday`)?.[0] ?? sample.weekday);
    const line = m.preview.find((l) => l.row === row);
    // The table's headings name the columns for the eye; a screen reader names each field by row and column.
    const label = (column?: 'weekday' | 'time' | 'tier' | 'items'): string => `aria-label="${t('sample')} ${row + 1}${column ? `, ${t(column)}` : ''}"`;
    return `<tr><td><input type="text" inputmode="decimal" name="sample.${row}.amount" ${label()} value="${value('amount', formAmount(sample.amount, program.currency))}"></td>
<td><select name="sample.${row}.weekday" ${label('weekday')}>${[1, 2, 3, 4, 5, 6, 7].map((d) => `<option value="${d}"${d === weekday ? ' selected' : ''}>${dayName(d, true)}</option>`).join('')}</select></td>
<td><input type="time" name="sample.${row}.time" ${label('time')} value="${value('time', sample.time)}"></td><td><select name="sample.${row}.tier" ${label('tier')}>${tierOptions(row)}</select></td>
<td><input type="text" name="sample.${row}.items" ${label('items')} value="${value('items', '')}"></td>
<td data-preview="${row}">${escapeHtml(line?.text ?? '')}</td><td data-reasons="${row}">${escapeHtml(line?.reasons.join(' · ') ?? '')}</td></tr>`;
  }).join('');

  const editor = `<form id="editor" method="post" action="/owner/program/publish"><input type="hidden" name="csrf" value="${escapeHtml(m.csrf ?? '')}">
<h2>${t('general')}</h2><fieldset>${field('name', 'name', 'text')}${field('maxSale', 'maxSale', 'money')}${field('expiry.months', 'expiryMonths', 'int')}</fieldset>
<h2>${t('rules')}</h2>${rules
    .filter(([r]) => r.type !== 'multiplier')
    .map(([r, i]) => ruleSet(r, i))
    .join('')}
<h2>${t('campaigns')}</h2>${rules
    .filter(([r]) => r.type === 'multiplier')
    .map(([r, i]) => ruleSet(r, i))
    .join('')}${addRule}
${tiers}<h2>${t('rewards')}</h2>${rewards}${addReward}
${categoriesSection}
<h2>${t('preview')}</h2><p>${t('previewNote')}</p><table id="preview"><thead><tr><th>${t('sample')}</th><th>${t('weekday')}</th><th>${t('time')}</th>
<th>${t('tier')}</th><th>${t('items')}</th><th>${t('earns')}</th><th>${t('reasons')}</th></tr></thead><tbody>${samples}</tbody></table>
<h2>${t('publish')}</h2><label>${t('publishFrom')} <input type="datetime-local" name="publish.from" value="${escapeHtml(m.publishFrom ?? '')}"></label>${error('publish.from')}
<small>${t('publishFromHelp', { zone: program.timeZone })}</small> <button type="submit" id="publish">${t('publish')}</button></form>`;

  const shown = (iso: string): string => escapeHtml(formatInstant(iso, locale, m.timeZone));
  const versions = `<h2>${t('versions')}</h2><table id="versions"><thead><tr><th>${t('version')}</th><th>${t('effectiveFrom')}</th><th>${t('state')}</th>
<th>${t('kiosksHave')}</th></tr></thead><tbody>${m.versions
    .slice()
    .reverse()
    .map(
      (v) =>
        `<tr data-version="${v.version}"><td>${v.version}</td><td>${
          v.effectiveFrom.startsWith('1970-') ? '—' : shown(v.effectiveFrom)
        }</td><td>${t(v.state)}</td><td>${escapeHtml(v.kiosks.join(', '))}</td></tr>`,
    )
    .join('')}</tbody></table>`;

  const loose = (m.errors ?? []).filter((e) => !rendered.has(e.path));
  const banner =
    (m.published ? `<p class="ok" id="published">${t('published', m.published)}</p>` : '') +
    (m.draft ? `<p class="ok" id="draft">${escapeHtml(formatMessage(settingsMessages, locale, 'draftNote'))}</p>` : '') +
    (m.errors && m.errors.length > 0 ? `<p class="error" id="refused">${t('refusedTitle')}</p>` : '') +
    `<ul class="error" id="form-errors">${loose.map((e) => `<li>${escapeHtml(`${e.path}: ${e.message}`)}</li>`).join('')}</ul>`;
  return page(
    locale,
    `${t('title')} · ${escapeHtml(program.name)}`,
    `<link rel="stylesheet" href="${PROGRAM_CSS}">${banner}${editor}${versions}<script src="${PROGRAM_JS}"></script>`,
    m.csrf,
  );
}
