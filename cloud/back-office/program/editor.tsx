import { Fragment, type ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { formatInstant } from '../../../core/i18n/dates';
import type { Locale } from '../../../core/i18n/locales';
import { settingsMessages } from '../../../core/i18n/settings';
import { DEFAULT_SAMPLES, formAmount } from '../../../core/program/form';
import type { PreviewLine } from '../../../core/program/preview';
import { ruleTypes, type Program, type ProgramIssue, type Rule } from '../../../core/program/schema';
import type { OwnerFrame } from '../layout';
import { DataTable } from '../table';
import { editorFields, type EditorFields, type Key, type Kind } from './fields';

/**
 * The owner's program editor as React, rendered on the server (cloud/program-pages.ts): every input is
 * named by its path in the program document (core/program/form), so an error's path finds its input.
 * A small script (program-assets.ts) posts the draft to /owner/program/preview as the owner types and
 * shows the preview lines and the errors; without script the page still works (publish re-renders it
 * with the errors). Pure: data in, elements out.
 */

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
  /** The back office's frame: the shop's name, the section, the session's CSRF token (none with the bearer token). */
  frame?: OwnerFrame;
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

const ROUNDING: [string, Key][] = [
  ['floor', 'floor'],
  ['halfUp', 'halfUp'],
];
const PER: [string, Key][] = [
  ['sale', 'perSale'],
  ['item', 'perItem'],
];
const WINDOW: [string, Key][] = [
  ['day', 'windowDay'],
  ['week', 'windowWeek'],
  ['month', 'windowMonth'],
];

function ruleSet(f: EditorFields, rule: Rule, i: number): ReactNode {
  const at = `rules.${i}`;
  const { t, field, select } = f;
  return (
    <fieldset key={at} id={at}>
      <legend>
        {t(`type.${rule.type}`)}
        {'label' in rule && rule.label ? ` · ${rule.label}` : ''}
      </legend>
      {f.error(at)}
      {f.error(`${at}.type`)}
      {RULE_FIELDS[rule.type].map(([name, label, kind]) => (
        <Fragment key={name}>{field(`${at}.${name}`, label, kind)}</Fragment>
      ))}
      {(rule.type === 'stamps' || rule.type === 'multiplier') && f.translations(`${at}.labels`)}
      {rule.type === 'points' && (
        <>
          {select(`${at}.rounding`, 'rounding', ROUNDING)}
          {rule.bands.map((_, j) => (
            <Fragment key={j}>
              <br />
              {t('band')} {j + 1}: {j < rule.bands.length - 1 && field(`${at}.bands.${j}.upTo`, 'upTo', 'money')}
              {field(`${at}.bands.${j}.points`, 'points', 'int')}
            </Fragment>
          ))}
        </>
      )}
      {rule.type === 'stamps' && select(`${at}.per`, 'per', PER)}
      {rule.type === 'birthday' && select(`${at}.window`, 'window', WINDOW)}
      {rule.type === 'multiplier' && (
        <>
          <br />
          {f.when(`${at}.when`)}
        </>
      )}{' '}
      {f.remove(at)}
    </fieldset>
  );
}

/**
 * "Add a rule": the kind selector and, once each, the fields of every kind; the script shows those of
 * the chosen kind, and programFromForm keeps only those (RULE_KEYS) whatever the browser sent.
 */
function addRule(f: EditorFields, program: Program): ReactNode {
  const at = `rules.${program.rules.length}`;
  const { t, field, select } = f;
  const kinds = (types: readonly Rule['type'][], body: ReactNode): ReactNode => (
    <span data-show-for={`${at}.type`} data-show-values={types.join(' ')}>
      {body}
    </span>
  );
  return (
    <fieldset id={at}>
      <legend>{t('addRule')}</legend>
      {f.checkbox(`${at}._add`, 'addRule')}
      {select(
        `${at}.type`,
        'kind',
        ruleTypes.map((type) => [type, `type.${type}`]),
        'multiplier',
      )}
      {f.error(at)}
      <br />
      {field(`${at}.label`, 'label', 'text')}
      {kinds(['stamps', 'multiplier'], f.translations(`${at}.labels`))}
      {kinds(
        ['points'],
        <>
          {field(`${at}.unit`, 'unit', 'money', 100)}
          {field(`${at}.bands.0.points`, 'points', 'int', 1)}
          {select(`${at}.rounding`, 'rounding', ROUNDING)}
        </>,
      )}
      {kinds(['points', 'stamps'], field(`${at}.minSale`, 'minSale', 'money'))}
      {kinds(
        ['stamps'],
        <>
          {field(`${at}.cardSize`, 'cardSize', 'int', 9)}
          {select(`${at}.per`, 'per', PER)}
          {field(`${at}.category`, 'category', 'text')}
        </>,
      )}
      {kinds(['spendBonus'], field(`${at}.threshold`, 'threshold', 'money'))}
      {kinds(['winBack'], field(`${at}.afterDays`, 'afterDays', 'int'))}
      {kinds(['milestone'], field(`${at}.visit`, 'visit', 'int'))}
      {kinds(['spendBonus', 'welcome', 'birthday', 'winBack', 'milestone'], field(`${at}.points`, 'points', 'int'))}
      {kinds(['birthday'], select(`${at}.window`, 'window', WINDOW))}
      {kinds(
        ['referral'],
        <>
          {field(`${at}.referrerPoints`, 'referrerPoints', 'int')}
          {field(`${at}.referredPoints`, 'referredPoints', 'int')}
        </>,
      )}
      {kinds(
        ['multiplier'],
        <>
          {field(`${at}.multiplier`, 'multiplier', 'decimal', 2)}
          <br />
          {f.when(`${at}.when`)}
        </>,
      )}
    </fieldset>
  );
}

/** A tier level's fieldset; the first level of new tiers shows its threshold 0 as "0", read right by either basis. */
function levelSet(f: EditorFields, i: number, basis: string, legend: string, extra: ReactNode, tail: ReactNode): ReactNode {
  const at = `tiers.levels.${i}`;
  const { field } = f;
  return (
    <fieldset key={at} id={at}>
      <legend>{legend}</legend>
      {extra}
      {f.error(at)}
      {field(`${at}.name`, 'levelName', 'text')}
      {f.translations(`${at}.names`)}
      {field(`${at}.threshold`, 'threshold', basis === 'spend' ? 'money' : 'int', i === 0 ? 0 : undefined)}
      {field(`${at}.multiplier`, 'multiplier', 'decimal')}
      {field(`${at}.discountPercent`, 'discountPercent', 'int')}
      {tail}
    </fieldset>
  );
}

function tiersSection(f: EditorFields, program: Program): ReactNode {
  const { t, select, field } = f;
  const tierHead = (
    <>
      {select(
        'tiers.basis',
        'basis',
        [
          ['spend', 'basisSpend'],
          ['visits', 'basisVisits'],
        ],
        'spend',
      )}
      {field('tiers.windowDays', 'windowDays', 'int', 365)}
    </>
  );
  const tiers = program.tiers;
  if (!tiers)
    return (
      <section className="card" id="tiers-section">
        <h2>{t('tiers')}</h2>
        <fieldset id="tiers">
          {f.checkbox('tiers._add', 'addTiers')} {tierHead}
          {f.error('tiers')}
        </fieldset>
        {levelSet(f, 0, 'visits', t('addTiers'), null, null)}
      </section>
    );
  const levelCount = tiers.levels.length;
  // Thresholds are amounts when tiers go by spend; a basis just changed on the page applies after a publish or refusal.
  const basisNow = f.typed('tiers.basis')?.[0] ?? tiers.basis;
  return (
    <section className="card" id="tiers-section">
      <h2>{t('tiers')}</h2>
      <fieldset id="tiers">{tierHead}</fieldset>
      {tiers.levels.map((level, i) => levelSet(f, i, tiers.basis, level.name, null, <> {f.remove(`tiers.levels.${i}`)}</>))}
      {levelSet(f, levelCount, basisNow, t('addTierLevel'), f.checkbox(`tiers.levels.${levelCount}._add`, 'addTierLevel'), null)}
    </section>
  );
}

function rewardsSection(f: EditorFields, program: Program): ReactNode {
  const { t, field } = f;
  const r = program.rewards.length;
  // "Paid with": points, or the stamps of one of the program's stamp cards (a stamp-card reward).
  const cards = program.rules.filter((rule): rule is Extract<Rule, { type: 'stamps' }> => rule.type === 'stamps');
  const paidWith = (path: string): ReactNode => (
    <>
      <label className="field">
        {t('paidWith')}{' '}
        <select name={path} defaultValue={f.typed(path)?.[0] ?? ''}>
          <option value="">{t('points')}</option>
          {cards.map((card) => (
            <option key={card.id} value={card.id}>
              {t('stampsOf', { card: card.label ?? card.id })}
            </option>
          ))}
        </select>
      </label>
      {f.error(path)}
    </>
  );
  const shownFor = (chooser: string, values: string, body: ReactNode): ReactNode => (
    <span data-show-for={chooser} data-show-values={values}>
      {body}
    </span>
  );
  return (
    <section className="card" id="rewards-section">
      <h2>{t('rewards')}</h2>
      {program.rewards.map((reward, i) => {
        const at = `rewards.${i}`;
        return (
          <fieldset key={at} id={at}>
            <legend>{reward.name}</legend>
            {f.error(at)}
            {f.error(`${at}.id`)}
            {field(`${at}.name`, 'name', 'text')}
            {f.translations(`${at}.names`)} {t('cost')}:{' '}
            {'points' in reward.cost ? field(`${at}.cost.points`, 'points', 'int') : field(`${at}.cost.stamps`, 'stamps', 'int')}
            {f.error(`${at}.cost`)}{' '}
            {reward.kind === 'percentOff'
              ? field(`${at}.percent`, 'percent', 'int')
              : reward.kind === 'amountOff'
                ? field(`${at}.amount`, 'amount', 'money')
                : field(`${at}.product`, 'product', 'text')}{' '}
            {f.remove(at)}
          </fieldset>
        );
      })}
      <fieldset id={`rewards.${r}`}>
        <legend>{t('addReward')}</legend>
        {f.checkbox(`rewards.${r}._add`, 'addReward')}
        {f.select(`rewards.${r}.kind`, 'kind', [
          ['percentOff', 'percent'],
          ['amountOff', 'amount'],
          ['freeProduct', 'product'],
        ])}
        {field(`rewards.${r}.name`, 'name', 'text')}
        {f.translations(`rewards.${r}.names`)} {paidWith(`rewards.${r}.cost.card`)}
        {shownFor(`rewards.${r}.cost.card`, '', field(`rewards.${r}.cost.points`, 'points', 'int'))}
        {shownFor(`rewards.${r}.cost.card`, cards.map((c) => c.id).join(' '), field(`rewards.${r}.cost.stamps`, 'stamps', 'int'))}
        {f.error(`rewards.${r}.cost`)}
        <br />
        {shownFor(`rewards.${r}.kind`, 'percentOff', field(`rewards.${r}.percent`, 'percent', 'int'))}
        {shownFor(`rewards.${r}.kind`, 'amountOff', field(`rewards.${r}.amount`, 'amount', 'money'))}
        {shownFor(`rewards.${r}.kind`, 'freeProduct', field(`rewards.${r}.product`, 'product', 'text'))}
      </fieldset>
    </section>
  );
}

/**
 * Category cards: the keys and item patterns of each category a stamp card counts, under that category,
 * each input at its path in the document; "add" rows take any category (a card added on this page too).
 */
function categoriesSection(f: EditorFields, program: Program): ReactNode {
  const { t, field } = f;
  const cardsByCategory = new Map<string, string[]>();
  for (const rule of program.rules) {
    if (rule.type === 'stamps' && rule.category !== undefined)
      cardsByCategory.set(rule.category, [...(cardsByCategory.get(rule.category) ?? []), rule.label ?? rule.id]);
  }
  const keyList = program.categories?.keys ?? [];
  const patternList = program.categories?.itemPatterns ?? [];
  const firstCategory = [...cardsByCategory.keys()][0] ?? '';
  const categoryInput = (path: string): ReactNode => (
    <>
      <label className="field">
        {t('category')} <input type="text" name={path} list="category-names" defaultValue={f.typed(path)?.[0] ?? firstCategory} />
      </label>
      {f.error(path)}
    </>
  );
  const k = keyList.length;
  const p = patternList.length;
  return (
    <section className="card" id="categories-section">
      <h2>{t('categories')}</h2>
      <p className="muted">{t('categoriesNote')}</p>
      {cardsByCategory.size === 0 && <p id="no-category-cards">{t('noCategoryCards')}</p>}
      <datalist id="category-names">
        {[...cardsByCategory.keys()].map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      {[...cardsByCategory].map(([category, cards]) => (
        <fieldset key={category} className="category" data-category={category}>
          <legend>{t('categoryCard', { category, cards: cards.join(', ') })}</legend>
          {keyList.map((key, i) =>
            key.category === category ? (
              <div key={`key-${i}`}>
                {field(`categories.keys.${i}.label`, 'keyLabel', 'text')}
                {f.error(`categories.keys.${i}.category`)} {f.remove(`categories.keys.${i}`)}
              </div>
            ) : null,
          )}
          {patternList.map((item, i) =>
            item.category === category ? (
              <div key={`pattern-${i}`}>
                {field(`categories.itemPatterns.${i}.pattern`, 'pattern', 'text')}
                {f.error(`categories.itemPatterns.${i}.category`)} {f.remove(`categories.itemPatterns.${i}`)}
              </div>
            ) : null,
          )}
        </fieldset>
      ))}
      <fieldset id={`categories.keys.${k}`}>
        <legend>{t('addKey')}</legend>
        {f.checkbox(`categories.keys.${k}._add`, 'addKey')} {field(`categories.keys.${k}.label`, 'keyLabel', 'text')}
        {categoryInput(`categories.keys.${k}.category`)}
      </fieldset>
      <fieldset id={`categories.itemPatterns.${p}`}>
        <legend>{t('addPattern')}</legend>
        {f.checkbox(`categories.itemPatterns.${p}._add`, 'addPattern')} {field(`categories.itemPatterns.${p}.pattern`, 'pattern', 'text')}
        {categoryInput(`categories.itemPatterns.${p}.category`)}
      </fieldset>
    </section>
  );
}

/**
 * Example sales the owner can change; the preview column says in words what each earns under the draft
 * (the page's script rewrites the texts marked data-preview and data-reasons as the owner types).
 */
function previewSection(f: EditorFields, m: EditorModel): ReactNode {
  const { t, typed } = f;
  const { program } = m;
  const value = (row: number, name: string, fallback: string): string => typed(`sample.${row}.${name}`)?.[0] ?? fallback;
  const line = (row: number): PreviewLine | undefined => m.preview.find((l) => l.row === row);
  // The table's headings name the columns for the eye; a screen reader names each field by row and column.
  const label = (row: number, column?: 'weekday' | 'time' | 'tier' | 'items'): string => `${t('sample')} ${row + 1}${column ? `, ${t(column)}` : ''}`;
  return (
    <section className="card" id="preview-section">
      <h2>{t('preview')}</h2>
      <p className="muted">{t('previewNote')}</p>
      <DataTable
        id="preview"
        columns={[
          {
            label: t('sample'),
            cell: (sample, row) => (
              <input
                type="text"
                inputMode="decimal"
                name={`sample.${row}.amount`}
                aria-label={label(row)}
                defaultValue={value(row, 'amount', formAmount(sample.amount, program.currency))}
              />
            ),
          },
          {
            label: t('weekday'),
            cell: (sample, row) => (
              <select
                name={`sample.${row}.weekday`}
                aria-label={label(row, 'weekday')}
                defaultValue={String(Number(value(row, 'weekday', String(sample.weekday))))}
              >
                {[1, 2, 3, 4, 5, 6, 7].map((d) => (
                  <option key={d} value={String(d)}>
                    {f.dayName(d, true)}
                  </option>
                ))}
              </select>
            ),
          },
          {
            label: t('time'),
            cell: (sample, row) => (
              <input type="time" name={`sample.${row}.time`} aria-label={label(row, 'time')} defaultValue={value(row, 'time', sample.time)} />
            ),
          },
          {
            label: t('tier'),
            cell: (_, row) => (
              <select name={`sample.${row}.tier`} aria-label={label(row, 'tier')} defaultValue={value(row, 'tier', '')}>
                <option value="">{t('noTier')}</option>
                {(program.tiers?.levels ?? []).map((level) => (
                  <option key={level.id} value={level.id}>
                    {level.name}
                  </option>
                ))}
              </select>
            ),
          },
          {
            label: t('items'),
            cell: (_, row) => <input type="text" name={`sample.${row}.items`} aria-label={label(row, 'items')} defaultValue={value(row, 'items', '')} />,
          },
          { label: t('earns'), cell: (_, row) => <span data-preview={row}>{line(row)?.text ?? ''}</span> },
          { label: t('reasons'), cell: (_, row) => <span data-reasons={row}>{line(row)?.reasons.join(' · ') ?? ''}</span> },
        ]}
        rows={DEFAULT_SAMPLES}
      />
    </section>
  );
}

function versionsSection(f: EditorFields, m: EditorModel): ReactNode {
  const { t } = f;
  return (
    <section className="card" id="versions-section">
      <h2>{t('versions')}</h2>
      <DataTable
        id="versions"
        rowKey={(v) => v.version}
        rowData={(v) => ({ version: v.version })}
        columns={[
          { label: t('version'), cell: (v) => v.version },
          { label: t('effectiveFrom'), cell: (v) => (v.effectiveFrom.startsWith('1970-') ? '—' : formatInstant(v.effectiveFrom, m.locale, m.timeZone)) },
          { label: t('state'), cell: (v) => t(v.state) },
          { label: t('kiosksHave'), cell: (v) => v.kiosks.join(', ') },
        ]}
        rows={m.versions.slice().reverse()}
      />
    </section>
  );
}

/** The editor page's body: the banner (published, draft, refused, errors without a field), the form and the versions. */
export function ProgramEditor(m: EditorModel): ReactNode {
  const { locale, program } = m;
  const f = editorFields(m);
  const { t, field } = f;
  const rules = program.rules.map((rule, i) => [rule, i] as const);
  // Built before the banner: the banner lists the errors whose path has no slot in the form.
  const editor = (
    <form id="editor" method="post" action="/owner/program/publish">
      <input type="hidden" name="csrf" value={m.frame?.csrf ?? ''} />
      <section className="card" id="general-section">
        <h2>{t('general')}</h2>
        <fieldset>
          {field('name', 'name', 'text')}
          {field('maxSale', 'maxSale', 'money')}
          {field('expiry.months', 'expiryMonths', 'int')}
        </fieldset>
      </section>
      <section className="card" id="rules-section">
        <h2>{t('rules')}</h2>
        {rules.filter(([r]) => r.type !== 'multiplier').map(([r, i]) => ruleSet(f, r, i))}
      </section>
      <section className="card" id="campaigns-section">
        <h2>{t('campaigns')}</h2>
        {rules.filter(([r]) => r.type === 'multiplier').map(([r, i]) => ruleSet(f, r, i))}
        {addRule(f, program)}
      </section>
      {tiersSection(f, program)}
      {rewardsSection(f, program)}
      {categoriesSection(f, program)}
      {previewSection(f, m)}
      <section className="card" id="publish-section">
        <h2>{t('publish')}</h2>
        <label className="field">
          {t('publishFrom')} <input type="datetime-local" name="publish.from" defaultValue={m.publishFrom ?? ''} />
        </label>
        {f.error('publish.from')}
        <small className="muted">{t('publishFromHelp', { zone: program.timeZone })}</small>{' '}
        <div className="actions">
          <button type="submit" id="publish" className="btn btn-primary">
            {t('publish')}
          </button>
        </div>
      </section>
    </form>
  );
  const loose = (m.errors ?? []).filter((e) => !f.rendered.has(e.path));
  return (
    <>
      {m.published && (
        <p className="ok" id="published">
          {t('published', m.published)}
        </p>
      )}
      {m.draft && (
        <p className="ok" id="draft">
          {formatMessage(settingsMessages, locale, 'draftNote')}
        </p>
      )}
      {m.errors && m.errors.length > 0 && (
        <p className="error" id="refused">
          {t('refusedTitle')}
        </p>
      )}
      <ul className="error" id="form-errors">
        {loose.map((e, i) => (
          <li key={i}>{`${e.path}: ${e.message}`}</li>
        ))}
      </ul>
      {editor}
      {versionsSection(f, m)}
    </>
  );
}
