import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { formatMessage } from '../core/i18n/catalog';
import { programMessages } from '../core/i18n/program';
import { ProgramEditor, type EditorModel } from './back-office/program/editor';
import { PROGRAM_CSS, PROGRAM_JS } from './back-office/program/program-assets';
import { page } from './owner-pages';
import { escapeHtml } from './pages';

export type { EditorModel, VersionRow } from './back-office/program/editor';

/**
 * The owner's program editor page: the React body (cloud/back-office/program/) rendered to static
 * markup inside the back office's frame, with the editor's style sheet and script from /assets.
 */
export function programEditorPage(m: EditorModel): string {
  const title = `${formatMessage(programMessages, m.locale, 'title')} · ${m.program.name}`;
  return page(
    m.locale,
    escapeHtml(title),
    `<link rel="stylesheet" href="${PROGRAM_CSS}">${renderToStaticMarkup(createElement(ProgramEditor, m))}<script src="${PROGRAM_JS}"></script>`,
    m.frame,
  );
}
