import iconv from 'iconv-lite';
import { ESC, FS, GS, LF } from './escpos';
import type { CodePage, ResolvedProfile } from './profiles';

/**
 * The code-page test page: clone printers number their code-page tables differently from one
 * batch to the next, so the kiosk cannot know which `ESC t n` selects CP852 or Windows-1250 on
 * the printer in front of staff. The page prints one line per candidate (table number, page): the
 * number and page in ASCII, then letters of Polish, Czech, Slovak and Hungarian encoded for that
 * page under that number. Staff pick the line whose letters read right and set
 * `overrides.codePageNumbers` to it.
 */

/** 22 letters: with its label ("45 w1250 ") a line fits 32 columns. */
const CENTRAL = 'ŁąęśżźćńČřšžěůťďňľŐőŰű';
const WESTERN = '€ÄÖÜäöüßÁÉÍÓÚáéíóú';

export function testLetters(page: CodePage): string {
  return page === 'cp852' || page === 'windows1250' ? CENTRAL : WESTERN;
}

export interface CodePageCandidate {
  number: number;
  page: CodePage;
}

/** Every number in `numbers` for every page in `pages`, page by page. */
export function candidates(pages: readonly CodePage[], numbers: readonly number[]): CodePageCandidate[] {
  return pages.flatMap((page) => numbers.map((number) => ({ number, page })));
}

/** "0-59", "18,45,46", "10-20,45" → numbers; a clear error otherwise. */
export function parseNumbers(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})\s*)?$/u.exec(part);
    const from = Number(match?.[1]);
    const to = Number(match?.[2] ?? match?.[1]);
    if (!match || from > 255 || to > 255 || to < from) throw new Error(`table numbers: "${part.trim()}" is not a number 0-255 or a range like 0-59`);
    for (let n = from; n <= to; n++) if (!out.includes(n)) out.push(n);
  }
  return out;
}

function ascii(text: string): number[] {
  return [...Buffer.from(text, 'latin1')];
}

/** The label printed before a candidate's letters: "18 852 ", "45 w1250 ". */
export function candidateLabel(c: CodePageCandidate): string {
  return `${c.number} ${c.page.replace('windows', 'w').replace('cp', '')} `;
}

/**
 * The test page's bytes. Before each candidate the printer is put back on table 0 (PC437), so a
 * number the printer does not have prints in PC437 instead of borrowing the previous line's table
 * and looking right by accident.
 */
export function codePageTestPage(profile: ResolvedProfile, list: readonly CodePageCandidate[]): Uint8Array {
  if (profile.rasterOnly) throw new Error(`${profile.vendor} ${profile.model} has no code pages: the kiosk draws its letters itself`);
  const out: number[] = [ESC, 0x40, ...(profile.cancelKanji ? [FS, 0x2e] : []), ESC, 0x74, 0];
  const line = (text: string) => out.push(...ascii(text), LF);
  line('CODE PAGE TEST');
  line(`${profile.vendor} ${profile.model}`.slice(0, profile.lineColumns));
  line('Find the line whose letters');
  line('read right; set that number:');
  line('codePageNumbers {"cp852": N}');
  line('-'.repeat(Math.min(32, profile.lineColumns)));
  for (const c of list) {
    out.push(ESC, 0x74, 0, ...ascii(candidateLabel(c)), ESC, 0x74, c.number);
    out.push(...iconv.encode(testLetters(c.page), c.page), LF);
  }
  out.push(ESC, 0x74, 0);
  line('-'.repeat(Math.min(32, profile.lineColumns)));
  out.push(ESC, 0x64, 4, GS, 0x56, 0x42, 0x00);
  return Uint8Array.from(out);
}
