import { createElement } from 'react';
import { formatMessage } from '../core/i18n/catalog';
import { programMessages } from '../core/i18n/program';
import { ProgramEditor, type EditorModel } from './back-office/program/editor';
import { PROGRAM_CSS, PROGRAM_JS } from './back-office/program/program-assets';
import { page } from './owner-pages';

export type { EditorModel, VersionRow } from './back-office/program/editor';

/**
 * The owner's program editor page: the React body (cloud/back-office/program/) in the back office's
 * frame, with the editor's style sheet and script from /assets.
 */
export function programEditorPage(m: EditorModel): string {
  const title = `${formatMessage(programMessages, m.locale, 'title')} · ${m.program.name}`;
  return page(m.locale, title, createElement(ProgramEditor, m), m.frame, { styles: [PROGRAM_CSS], scripts: [PROGRAM_JS] });
}
