import type { ReactNode } from 'react';

/** A column of a `DataTable` over rows of type `Row`: its heading, what a row shows in it, and how that cell is drawn. */
export interface Column<Row> {
  /** The column's heading: a `<th scope="col">` in the header row, so a screen reader names every cell. */
  label: string;
  /** What the row shows in this column: a text, a link, a form with its button, a field. */
  cell: (row: Row, index: number) => ReactNode;
  /** Figures (counts, amounts, shares, "—"): right-aligned on one line (class n), so they line up. */
  figure?: boolean;
  /** A text that must not break (class nowrap), such as a reward's cost. */
  nowrap?: boolean;
  /** The cell names its row (`<th scope="row">`), as a figure's name does in a table of figures. */
  rowHeader?: boolean;
}

/** The `data-*` attributes of a row's `<tr>`, by their names without the prefix: `{ figure: 'sales' }` is data-figure="sales". */
export type RowData = Readonly<Record<string, string | number>>;

export interface DataTableProps<Row> {
  id: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  /** The row's own key (its id) for React; without one, its position. */
  rowKey?: (row: Row, index: number) => string | number;
  /** Attributes that mark a row for the page's script and the tests (never shown). */
  rowData?: (row: Row) => RowData;
  /** Said instead of the table when there is no row (`<p>`, with its id); without it, the header row stands alone. */
  empty?: { text: string; id?: string };
}

const cellClass = (column: Pick<Column<never>, 'figure' | 'nowrap'>): string | undefined => (column.figure ? 'n' : column.nowrap ? 'nowrap' : undefined);

const dataAttributes = (data: RowData | undefined): Record<string, string | number> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([name, value]) => [`data-${name}`, value]));

/**
 * The back office's one table: a header row of named columns, then a row per item, in a box that
 * scrolls sideways on a narrow screen (class table-wrap) so a wide table never widens the page.
 */
export function DataTable<Row>({ id, columns, rows, rowKey = (_, index) => index, rowData, empty }: DataTableProps<Row>): ReactNode {
  if (rows.length === 0 && empty) return <p id={empty.id}>{empty.text}</p>;
  return (
    <div className="table-wrap">
      <table id={id}>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col" className={column.figure ? 'n' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={rowKey(row, r)} {...dataAttributes(rowData?.(row))}>
              {columns.map((column, i) =>
                column.rowHeader ? (
                  <th key={i} scope="row" className={cellClass(column)}>
                    {column.cell(row, r)}
                  </th>
                ) : (
                  <td key={i} className={cellClass(column)}>
                    {column.cell(row, r)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
