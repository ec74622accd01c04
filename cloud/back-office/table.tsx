import type { ReactNode } from 'react';

/** A column of a `DataTable`: its heading and whether its cells are figures (counts, amounts, shares, "—"), right-aligned so they line up. */
export interface Column {
  label: string;
  figure?: boolean;
}

/** A table in a box that scrolls sideways on a narrow screen (class table-wrap), so a wide table never widens the page; figure columns carry class "n". */
export function DataTable({ id, columns, rows }: { id: string; columns: readonly Column[]; rows: readonly (readonly ReactNode[])[] }): ReactNode {
  const cls = (i: number): string | undefined => (columns[i]?.figure ? 'n' : undefined);
  return (
    <div className="table-wrap">
      <table id={id}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={cls(i)}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, i) => (
                <td key={i} className={cls(i)}>
                  {cell}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
