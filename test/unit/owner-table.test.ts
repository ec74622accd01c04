// The back office's one table (cloud/back-office/table.tsx), rendered as the hub renders every owner
// page: named column headers, figures right-aligned, a row's name as its header cell, rows marked for
// scripts and tests, and the empty state.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable, type DataTableProps } from '../../cloud/back-office/table';

interface Sale {
  id: string;
  item: string;
  count: number;
  cost: string;
}

const SALES: Sale[] = [
  { id: 's1', item: 'Latte', count: 3, cost: '12 points' },
  { id: 's2', item: 'Croissant <fresh>', count: 1, cost: '4 points' },
];

const render = (props: Partial<DataTableProps<Sale>> = {}): string =>
  renderToStaticMarkup(
    createElement(DataTable<Sale>, {
      id: 'sales',
      columns: [
        { label: 'Item', rowHeader: true, cell: (s) => s.item },
        { label: 'Cost', nowrap: true, cell: (s) => s.cost },
        { label: 'Count', figure: true, cell: (s) => String(s.count) },
        { label: 'Row', cell: (_, i) => `#${i + 1}` },
      ],
      rows: SALES,
      ...props,
    }),
  );

describe('DataTable', () => {
  it('draws a header row of named columns and a row per item, figures right-aligned in their heading and cells, in a box that scrolls', () => {
    expect(render()).toBe(
      '<div class="table-wrap"><table id="sales">' +
        '<thead><tr><th scope="col">Item</th><th scope="col">Cost</th><th scope="col" class="n">Count</th><th scope="col">Row</th></tr></thead>' +
        '<tbody>' +
        '<tr><th scope="row">Latte</th><td class="nowrap">12 points</td><td class="n">3</td><td>#1</td></tr>' +
        '<tr><th scope="row">Croissant &lt;fresh&gt;</th><td class="nowrap">4 points</td><td class="n">1</td><td>#2</td></tr>' +
        '</tbody></table></div>',
    );
  });

  it('marks each row with the data attributes it is given', () => {
    const html = render({ rowKey: (s) => s.id, rowData: (s) => ({ sale: s.id, count: s.count }) });
    expect(html).toContain('<tr data-sale="s1" data-count="3"><th scope="row">Latte</th>');
    expect(html).toContain('<tr data-sale="s2" data-count="1"><th scope="row">Croissant');
  });

  it('says its empty text instead of the table when there is no row, and shows the header row alone without one', () => {
    expect(render({ rows: [], empty: { id: 'no-sales', text: 'No sales yet' } })).toBe('<p id="no-sales">No sales yet</p>');
    expect(render({ rows: [], empty: { text: 'No sales yet' } })).toBe('<p>No sales yet</p>');
    const bare = render({ rows: [] });
    expect(bare).toContain('<thead><tr><th scope="col">Item</th>');
    expect(bare).toContain('<tbody></tbody>');
    // With rows, the empty text is not shown.
    expect(render({ empty: { text: 'No sales yet' } })).not.toContain('No sales yet');
  });
});
