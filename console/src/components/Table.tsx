import { useState, type ReactNode } from 'react';
import {
  DataTable,
  InlineNotification,
  OverflowMenu,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableHeader,
  TableRow,
  TableToolbar,
  TableToolbarContent,
  Tag,
  type DataTableHeader,
  type DataTableRenderProps,
  type DataTableSize,
} from '@carbon/react';
import { errorToast } from '../lib/errors.ts';
import { paginate, type PageSlice } from '../lib/filters.ts';
import type { StatusTag } from '../lib/status.ts';

/** The pieces the console's Carbon tables (servers, clients, routes) have in common. */

type GetHeaderProps = DataTableRenderProps<unknown, unknown[]>['getHeaderProps'];

/** A header row with Carbon's own (click-to-sort) header props. */
function TableHeadRow({ headers, getHeaderProps }: { headers: DataTableHeader[]; getHeaderProps: GetHeaderProps }) {
  return (
    <TableHead>
      <TableRow>
        {headers.map((h) => {
          const { key, ...props } = getHeaderProps({ header: h });
          return (
            <TableHeader key={key} {...props}>
              {h.header}
            </TableHeader>
          );
        })}
      </TableRow>
    </TableHead>
  );
}

export interface ListTableProps<T extends { id: string }> {
  title: string;
  description: ReactNode;
  /** The table's accessible name. */
  label: string;
  toolbarLabel: string;
  /** Inside the toolbar: search, refresh, create. */
  toolbar: ReactNode;
  headers: DataTableHeader[];
  items: T[];
  /** What Carbon sorts a row by, per header key. */
  cells(item: T): Record<string, string>;
  size?: DataTableSize;
  /** Extra attributes of an item's row (the data-* the e2e finds rows by). */
  rowAttributes?(item: T): Record<string, string>;
  /** The item's cells, in header order. */
  renderCells(item: T): ReactNode;
  /** Under the table: empty states, pagination. */
  children?: ReactNode;
}

/**
 * A titled Carbon table of API resources with a toolbar, sortable headers and a horizontal scroll
 * box for narrow windows (the servers list and the routes tab). The clients tab has selection
 * and batch actions and builds its own.
 */
export function ListTable<T extends { id: string }>({ title, description, label, toolbarLabel, toolbar, headers, items, cells, size, rowAttributes, renderCells, children }: ListTableProps<T>) {
  const byId = new Map(items.map((item) => [item.id, item]));
  return (
    <DataTable rows={items.map((item) => ({ ...cells(item), id: item.id }))} headers={headers} {...(size === undefined ? {} : { size })}>
      {({ rows, headers: tableHeaders, getTableProps, getHeaderProps, getRowProps, getToolbarProps, getTableContainerProps }) => (
        <TableContainer title={title} description={description} {...getTableContainerProps()}>
          <TableToolbar {...getToolbarProps()} aria-label={toolbarLabel}>
            <TableToolbarContent>{toolbar}</TableToolbarContent>
          </TableToolbar>
          <div className="sl-table-scroll">
            <Table {...getTableProps()} aria-label={label}>
              <TableHeadRow headers={tableHeaders} getHeaderProps={getHeaderProps} />
              <TableBody>
                {rows.map((row) => {
                  const item = byId.get(row.id);
                  if (!item) return null;
                  const { key, ...rowProps } = getRowProps({ row });
                  return (
                    <TableRow key={key} {...rowProps} {...rowAttributes?.(item)}>
                      {renderCells(item)}
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
          {children}
        </TableContainer>
      )}
    </DataTable>
  );
}

/** A status column cell: the tag from lib/status.ts. */
export function StatusTagCell({ tag }: { tag: StatusTag }) {
  return (
    <TableCell>
      <Tag type={tag.type} size="sm">
        {tag.label}
      </Tag>
    </TableCell>
  );
}

/** The last column: a row's overflow menu, labelled for screen readers and tests. */
export function RowActions({ label, children }: { label: string; children: ReactNode }) {
  return (
    <TableCell className="cds--table-column-menu">
      <OverflowMenu size="sm" flipped aria-label={label} iconDescription={label}>
        {children}
      </OverflowMenu>
    </TableCell>
  );
}

/** A failed load above a table; closable only when the caller says what closing does. */
export function LoadError({ action, error, onClose }: { action: string; error: unknown; onClose?: () => void }) {
  if (error === undefined) return null;
  return <InlineNotification kind="error" {...errorToast(action, error)} lowContrast {...(onClose ? { onClose } : { hideCloseButton: true })} />;
}

const PAGE_SIZES = [10, 25, 50, 100];

export interface Paging<T> {
  slice: PageSlice<T>;
  /** Back to page 1 (after the filter changes). */
  firstPage(): void;
  /** Props for Carbon's `<Pagination>`. */
  pagination: { page: number; pageSize: number; pageSizes: number[]; totalItems: number; onChange(data: { page: number; pageSize: number }): void };
}

/** Client-side paging of an already filtered list: 25 a page to start with. */
export function usePaging<T>(items: T[]): Paging<T> {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const slice = paginate(items, page, pageSize);
  return {
    slice,
    firstPage: () => setPage(1),
    pagination: {
      page: slice.page,
      pageSize,
      pageSizes: PAGE_SIZES,
      totalItems: slice.total,
      onChange: ({ page: p, pageSize: ps }) => {
        setPage(p);
        setPageSize(ps);
      },
    },
  };
}
