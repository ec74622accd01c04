// Category cards in the owner's program editor: the page's own fields give back the program unchanged,
// keys and item patterns are added, moved and removed with their card, bad ones are refused at the field
// in the owner's language, and the preview reads typed receipt lines through the item patterns.
import { describe, expect, it } from 'vitest';
import { programEditorPage } from '../../cloud/program-pages';
import { demoProgram } from '../../core/program/demo';
import { programFromForm, samplesFromForm } from '../../core/program/form';
import { previewSales } from '../../core/program/preview';
import { parseProgram, type Program } from '../../core/program/schema';

function cafeWithCake(): Program {
  const document = structuredClone(demoProgram()) as Program;
  document.rules.splice(2, 0, { type: 'stamps', id: 'cake-card', label: 'karta ciast', cardSize: 6, per: 'item', category: 'cake' });
  document.categories = {
    keys: [
      { label: 'Kawa', category: 'coffee' },
      { label: 'Ciasto', category: 'cake' },
    ],
    itemPatterns: [
      { pattern: '*latte*', category: 'coffee' },
      { pattern: 'sernik*', category: 'cake' },
      { pattern: 'szarlotka', category: 'cake' },
    ],
  };
  const parsed = parseProgram(document);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.program;
}

const unescape = (text: string): string =>
  text.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&#x27;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

/** The fields a browser would post for the editor's form as rendered: text inputs, chosen options, ticked boxes. */
function postedFields(html: string): [string, string][] {
  const form = /<form id="editor"[\s\S]*?<\/form>/.exec(html)![0];
  const fields: [string, string][] = [];
  for (const [tag] of form.matchAll(/<input [^>]*>|<select [^>]*>[\s\S]*?<\/select>/g)) {
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    if (name === undefined) continue;
    if (tag.startsWith('<select')) {
      const chosen = /<option value="([^"]*)" selected(?:="")?>/.exec(tag) ?? /<option value="([^"]*)"/.exec(tag);
      fields.push([unescape(name), unescape(chosen?.[1] ?? '')]);
    } else if (/type="checkbox"/.test(tag)) {
      if (/ checked/.test(tag)) fields.push([unescape(name), unescape(/value="([^"]*)"/.exec(tag)?.[1] ?? 'on')]);
    } else {
      fields.push([unescape(name), unescape(/value="([^"]*)"/.exec(tag)?.[1] ?? '')]);
    }
  }
  return fields;
}

const page = (program: Program): string => programEditorPage({ locale: 'pl', timeZone: program.timeZone, program, preview: [], versions: [] });

describe('category cards in the program editor form', () => {
  it('gives back the same program from the page’s own fields (form → program round trip)', () => {
    const program = cafeWithCake();
    const html = page(program);
    // Each key and pattern is shown under the category its card counts.
    const cake = /<fieldset class="category" data-category="cake">[\s\S]*?<\/fieldset>/.exec(html)![0];
    expect(cake).toContain('Kategoria „cake” · karta ciast');
    expect(cake).toContain('name="categories.keys.1.label" value="Ciasto"');
    expect(cake).toContain('name="categories.itemPatterns.1.pattern" value="sernik*"');
    expect(cake).not.toContain('latte');
    const result = programFromForm(program, postedFields(html), 'pl');
    expect(result).toEqual({ ok: true, program });
    // A program without categories stays without them.
    const plain = demoProgram();
    expect(programFromForm(plain, postedFields(page(plain)), 'pl')).toEqual({ ok: true, program: plain });
  });

  it('adds a card with its keypad key and item pattern in one edit, and edits existing ones at their paths', () => {
    const base = cafeWithCake();
    const n = base.rules.length;
    const result = programFromForm(
      base,
      [
        [`rules.${n}._add`, 'on'],
        [`rules.${n}.type`, 'stamps'],
        [`rules.${n}.label`, 'karta kanapek'],
        [`rules.${n}.cardSize`, '5'],
        [`rules.${n}.per`, 'item'],
        [`rules.${n}.category`, 'sandwich'],
        ['categories.keys.2._add', 'on'],
        ['categories.keys.2.label', 'Kanapka'],
        ['categories.keys.2.category', 'sandwich'],
        ['categories.itemPatterns.3._add', 'on'],
        ['categories.itemPatterns.3.pattern', 'kanapka*'],
        ['categories.itemPatterns.3.category', 'sandwich'],
        ['categories.keys.0.label', 'Kawa czarna'],
        ['categories.itemPatterns.2._remove', 'on'],
      ],
      'pl',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.program.rules[n]).toEqual({ type: 'stamps', id: `stamps-${n + 1}`, label: 'karta kanapek', cardSize: 5, per: 'item', category: 'sandwich' });
    expect(result.program.categories).toEqual({
      keys: [
        { label: 'Kawa czarna', category: 'coffee' },
        { label: 'Ciasto', category: 'cake' },
        { label: 'Kanapka', category: 'sandwich' },
      ],
      itemPatterns: [
        { pattern: '*latte*', category: 'coffee' },
        { pattern: 'sernik*', category: 'cake' },
        { pattern: 'kanapka*', category: 'sandwich' },
      ],
    });
  });

  it('takes a card’s keys and patterns with it: renamed with its category, removed with the card', () => {
    const base = cafeWithCake();
    const renamed = programFromForm(base, [['rules.2.category', 'ciasta']], 'pl');
    expect(renamed.ok && renamed.program.categories).toEqual({
      keys: [
        { label: 'Kawa', category: 'coffee' },
        { label: 'Ciasto', category: 'ciasta' },
      ],
      itemPatterns: [
        { pattern: '*latte*', category: 'coffee' },
        { pattern: 'sernik*', category: 'ciasta' },
        { pattern: 'szarlotka', category: 'ciasta' },
      ],
    });
    const removed = programFromForm(base, [['rules.2._remove', 'on']], 'pl');
    expect(removed.ok && removed.program.categories).toEqual({
      keys: [{ label: 'Kawa', category: 'coffee' }],
      itemPatterns: [{ pattern: '*latte*', category: 'coffee' }],
    });
    // The last card with a category gone: no categories block at all.
    const none = programFromForm(
      base,
      [
        ['rules.1._remove', 'on'],
        ['rules.2._remove', 'on'],
        ['rewards.0._remove', 'on'],
      ],
      'en',
    );
    expect(none.ok && none.program.categories).toBeUndefined();
  });

  it('refuses a bad pattern or key at its field in the owner’s language, and nothing else is taken', () => {
    const base = cafeWithCake();
    const result = programFromForm(
      base,
      [
        ['categories.itemPatterns.0.pattern', ' * '],
        ['categories.itemPatterns.3._add', 'on'],
        ['categories.itemPatterns.3.pattern', 'SERNIK*'],
        ['categories.itemPatterns.3.category', 'cake'],
        ['categories.keys.2._add', 'on'],
        ['categories.keys.2.label', 'kawa'],
        ['categories.keys.2.category', 'tea'],
        ['categories.keys.1.label', 'x'.repeat(61)],
        ['name', 'Nowa nazwa'],
      ],
      'pl',
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'categories.keys.1.label', message: 'Najwyżej 60 znaków.' },
        {
          path: 'categories.keys.2.category',
          message: 'Żadna karta pieczątek nie liczy kategorii „tea”: nadaj tę kategorię karcie albo wybierz kategorię, którą liczy któraś karta.',
        },
        { path: 'categories.keys.2.label', message: 'Inny klawisz nazywa się już „kawa”: obsługa nie odróżni ich.' },
        { path: 'categories.itemPatterns.0.pattern', message: 'Wzorzec potrzebuje tekstu poza *: sama * pasowałaby do każdej linii każdego paragonu.' },
        {
          path: 'categories.itemPatterns.3.pattern',
          message: 'Wzorzec „SERNIK*” już jest na liście (dla „cake”); wygrywa pierwszy, więc ten nigdy nie zadziała.',
        },
      ],
    });
    // In German too, and an empty label is asked for.
    const de = programFromForm(base, [['categories.keys.0.label', '']], 'de');
    expect(de).toEqual({ ok: false, errors: [{ path: 'categories.keys.0.label', message: 'Füllen Sie dieses Feld aus.' }] });
  });

  it('previews typed receipt lines through the item patterns: the cake card gets its stamps', () => {
    const program = cafeWithCake();
    const samples = samplesFromForm(program, [
      ['sample.0.amount', '30,00'],
      ['sample.0.weekday', '3'],
      ['sample.0.time', '10:00'],
      ['sample.0.items', 'Sernik 2 x 6,00 12,00; Latte 6,00; Woda 3,00'],
    ]);
    expect(samples[0]!.items).toEqual(['Sernik 2 x 6,00 12,00', 'Latte 6,00', 'Woda 3,00']);
    const [line] = previewSales(program, samples, { locale: 'pl', fromDate: '2026-11-24' });
    expect(line!.stamps).toBe(3);
    expect(line!.reasons).toEqual([
      'podstawa: 30 punktów',
      'karta kawowa: 1 pieczątka',
      'karta ciast: 2 pieczątki',
      'Sernik 2 x 6,00 12,00 → cake × 2',
      'Latte 6,00 → coffee × 1',
    ]);
  });
});
