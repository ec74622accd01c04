import { Fragment, type ReactNode } from 'react';
import { formatMessage } from '../../../core/i18n/catalog';
import { INTL_LOCALE, type Locale } from '../../../core/i18n/locales';
import { programMessages } from '../../../core/i18n/program';
import { formAmount } from '../../../core/program/form';
import type { Program, ProgramIssue } from '../../../core/program/schema';
import { otherLanguages } from '../../../core/program/texts';

/**
 * The program editor's inputs (cloud/back-office/program/editor.tsx): each is named by its path in the
 * program document (core/program/form), shows what the owner typed, else the stored value, and carries
 * the error slot of its path. Helpers that return elements rather than components: the editor builds
 * its form first and then asks which paths had a slot (`rendered`), so that the errors with none go in
 * the list at the top; a component would only run once React renders the tree.
 */

export type Key = keyof typeof programMessages.en;
export type Kind = 'text' | 'money' | 'int' | 'decimal' | 'time' | 'date';

export interface FieldSource {
  locale: Locale;
  program: Program;
  values?: ReadonlyMap<string, readonly string[]> | undefined;
  errors?: readonly ProgramIssue[] | undefined;
  languages?: readonly Locale[] | undefined;
}

export type EditorFields = ReturnType<typeof editorFields>;

export function editorFields(m: FieldSource) {
  const { locale, program } = m;
  const t = (key: Key, values: Record<string, string | number> = {}): string => formatMessage(programMessages, locale, key, values);
  const errorsAt = new Map<string, string[]>();
  for (const e of m.errors ?? []) errorsAt.set(e.path, [...(errorsAt.get(e.path) ?? []), e.message]);
  const rendered = new Set<string>();

  const stored = (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), program);
  const typed = (path: string): readonly string[] | undefined => m.values?.get(path);
  const error = (path: string): ReactNode => {
    rendered.add(path);
    return (
      <span className="error" data-error-for={path}>
        {(errorsAt.get(path) ?? []).join(' ')}
      </span>
    );
  };
  const field = (path: string, label: Key, kind: Kind, fallback?: unknown): ReactNode => {
    const raw = stored(path) ?? fallback;
    const value = typed(path)?.[0] ?? (kind === 'money' ? formAmount(raw as number | undefined, program.currency) : raw === undefined ? '' : String(raw));
    const type = kind === 'time' ? 'time' : kind === 'date' ? 'date' : 'text';
    const mode = kind === 'money' || kind === 'decimal' ? 'decimal' : kind === 'int' ? 'numeric' : undefined;
    return (
      <>
        <label className="field">
          {t(label)} <input type={type} name={path} defaultValue={value} {...(mode ? { inputMode: mode } : {})} />
        </label>
        {error(path)}
      </>
    );
  };
  const select = (path: string, label: Key, options: [string, Key][], fallback = ''): ReactNode => {
    const current = typed(path)?.[0] ?? String(stored(path) ?? fallback);
    return (
      <>
        <label className="field">
          {t(label)}{' '}
          <select name={path} defaultValue={current}>
            {options.map(([value, text]) => (
              <option key={value} value={value}>
                {t(text)}
              </option>
            ))}
          </select>
        </label>
        {error(path)}
      </>
    );
  };
  const weekdayName = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'short', timeZone: 'UTC' });
  const longWeekday = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday: ISO weekday n is 2024-01-0n.
  const dayName = (n: number, long = false): string => (long ? longWeekday : weekdayName).format(new Date(Date.UTC(2024, 0, n)));
  const weekdays = (path: string): ReactNode => {
    const chosen =
      typed(path)
        ?.filter((v) => v !== '')
        .map(Number) ??
      (stored(path) as number[] | undefined) ??
      [];
    return (
      <>
        <span>
          {t('weekdays')}: <input type="hidden" name={path} value="" />
          {[1, 2, 3, 4, 5, 6, 7].map((d) => (
            <label key={d}>
              <input type="checkbox" name={path} value={d} defaultChecked={chosen.includes(d)} />
              {dayName(d)}
            </label>
          ))}
        </span>
        {error(path)}
      </>
    );
  };
  // A name's or label's text in each of the shop's other languages (core/program/texts.ts), empty: the program's own text.
  const languageName = new Intl.DisplayNames(INTL_LOCALE[locale], { type: 'language' });
  const others = otherLanguages(program, m.languages ?? []);
  const translations = (path: string): ReactNode =>
    others.map((language) => {
      const at = `${path}.${language}`;
      const value = typed(at)?.[0] ?? String(stored(at) ?? '');
      return (
        <Fragment key={language}>
          <label className="field" lang={language}>
            {languageName.of(language) ?? language} <input type="text" name={at} defaultValue={value} />
          </label>
          {error(at)}
        </Fragment>
      );
    });
  const checkbox = (name: string, label: Key): ReactNode => (
    <label>
      <input type="checkbox" name={name} defaultChecked={typed(name) !== undefined} /> {t(label)}
    </label>
  );
  const remove = (path: string): ReactNode => checkbox(`${path}._remove`, 'remove');
  const when = (path: string): ReactNode => (
    <>
      {weekdays(`${path}.weekdays`)}
      <br />
      {field(`${path}.from`, 'from', 'time')}
      {field(`${path}.to`, 'to', 'time')}
      {field(`${path}.startDate`, 'startDate', 'date')}
      {field(`${path}.endDate`, 'endDate', 'date')}
    </>
  );
  return { t, typed, error, field, select, dayName, translations, checkbox, remove, when, rendered };
}
