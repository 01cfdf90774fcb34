import type { ColumnMetadata, EntityMetadata, JunctionMetadata } from '../metadata/entity-metadata.js'
import { classFilterSql } from './class-filter-sql.js'
import { hiddenMembers, parentsThatMustBeLive, uniqueAmong, visibleRows, type RowFilter, type Visibility } from '../soft-delete/visibility.js'

// The SQL spelling of the soft-delete rule's answers (lib/soft-delete/visibility.ts decides them). It
// needs only identifier quoting, so the query compiler, the write compilers and the DDL share it.

/** @internal Quotes an identifier the dialect's way. */
export type Quote = (name: string) => string

/** `column IS NULL` / `IS NOT NULL` for a row filter, on an optional `alias.` qualifier ('' for none). */
function rowFilterSql(filter: RowFilter | undefined, quote: Quote, qualifier = ''): string {
  if (!filter) return ''
  return `${qualifier}${quote(filter.column.name)} ${filter.hidden ? 'IS NOT NULL' : 'IS NULL'}`
}

/**
 * @internal The condition that limits `meta` to the rows `visibility` sees ('' when it sees them all): on a
 * table shared by a hierarchy, also the rows of its class and its descendants (lib/dialect/class-filter-sql.ts).
 */
export function visibilitySql(meta: EntityMetadata, visibility: Visibility, quote: Quote, qualifier = ''): string {
  const rows = rowFilterSql(visibleRows(meta, visibility), quote, qualifier)
  if (meta.hierarchy.root === meta) return rows
  const classes = classFilterSql(meta, quote, qualifier)
  return rows ? `${rows} AND ${classes}` : classes
}

/** The ids of the soft-deleted rows of `meta`, as a subquery. */
function hiddenIdsSql(meta: EntityMetadata, filter: RowFilter, quote: Quote): string {
  return `SELECT ${quote(meta.idColumn.name)} FROM ${quote(meta.tableName)} WHERE ${rowFilterSql(filter, quote)}`
}

/**
 * @internal Conditions that every required soft-deletable parent of a row of `meta` is live: a row must not
 * come back (be restored) under a hidden parent. `valueOf` gives the SQL of a reference's new value, when
 * the same statement changes it.
 */
export function liveParentsSql(
  meta: EntityMetadata,
  quote: Quote,
  qualifier = '',
  valueOf: (column: ColumnMetadata) => string | undefined = () => undefined,
): string[] {
  return parentsThatMustBeLive(meta).map((relation) => {
    const column = relation.column as ColumnMetadata
    const reference = valueOf(column) ?? `${qualifier}${quote(column.name)}`
    return `${reference} NOT IN (${hiddenIdsSql(relation.target, visibleRows(relation.target, 'deleted') as RowFilter, quote)})`
  })
}

/**
 * @internal The extra condition of an "unlink all" on a junction table: soft-deleted members are hidden,
 * not gone, so replacing a collection keeps their membership ('' when the target is not soft-deletable).
 */
export function keepHiddenMembersSql(junction: JunctionMetadata, quote: Quote): string {
  const hidden = hiddenMembers(junction)
  if (!hidden) return ''
  return ` AND ${quote(junction.targetColumn)} NOT IN (${hiddenIdsSql(junction.target, hidden, quote)})`
}

/** @internal The WHERE of a unique index on a table of `meta`: unique among live rows only when soft-deletable. */
export function uniqueIndexScopeSql(meta: EntityMetadata, quote: Quote): string {
  const scope = uniqueAmong(meta)
  return scope ? ` WHERE ${rowFilterSql(scope, quote)}` : ''
}
