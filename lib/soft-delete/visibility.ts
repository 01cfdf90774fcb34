import type { ColumnMetadata, EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'

// THE soft-delete visibility rule, asked by the query compiler, the relation loader, the write compilers
// and the dialects' DDL; they only spell its answers in SQL (lib/dialect/soft-delete-sql.ts).

/** @internal Which rows of a soft-deletable class a query sees. */
export type Visibility = 'live' | 'all' | 'deleted'

/**
 * @internal The rows a filter keeps: those whose hiding `column` is empty (`hidden: false`, live rows)
 * or set (`hidden: true`, soft-deleted rows).
 */
export interface RowFilter {
  readonly column: ColumnMetadata
  readonly hidden: boolean
}

// One frozen filter per column and side: asking allocates nothing on the query path.
const liveFilters = new WeakMap<ColumnMetadata, RowFilter>()
const hiddenFilters = new WeakMap<ColumnMetadata, RowFilter>()

/** @internal The visibility find options ask for: live rows unless `withDeleted` or `onlyDeleted`. */
export function visibilityOf(options: { readonly withDeleted?: boolean; readonly onlyDeleted?: boolean } | undefined): Visibility {
  if (options?.onlyDeleted) return 'deleted'
  return options?.withDeleted ? 'all' : 'live'
}

/** @internal The column whose value hides a soft-deleted row of `meta`; undefined when its rows are never hidden. */
export function hidingColumn(meta: EntityMetadata): ColumnMetadata | undefined {
  return meta.deletedAtColumn
}

/** @internal The filter that limits `meta` to the rows `visibility` sees; undefined when it sees every row. */
export function visibleRows(meta: EntityMetadata, visibility: Visibility): RowFilter | undefined {
  const column = hidingColumn(meta)
  if (!column || visibility === 'all') return undefined
  const filters = visibility === 'live' ? liveFilters : hiddenFilters
  let filter = filters.get(column)
  if (!filter) {
    filter = Object.freeze({ column, hidden: visibility === 'deleted' })
    filters.set(column, filter)
  }
  return filter
}

/**
 * @internal The rows of a relation's target seen through the relation (loaded by `relations`, or matched
 * by a nested where): live ones, unless its options, `{ withDeleted: true }`, ask for all. A to-one
 * relation still resolves to a soft-deleted target when loaded: the row exists and the type promises a value.
 */
export function relationVisibility(options: unknown): Visibility {
  return typeof options === 'object' && options !== null && (options as { withDeleted?: unknown }).withDeleted ? 'all' : 'live'
}

/**
 * @internal The members of a junction that stay linked when every pair of an owner is removed (a collection
 * replaced): those whose target row is soft-deleted, hidden but not gone. Answers the rows that are hidden
 * (their target class's filter), or undefined when the target class is not soft-deletable.
 */
export function hiddenMembers(junction: JunctionMetadata): RowFilter | undefined {
  return visibleRows(junction.target, 'deleted')
}

/**
 * @internal The required relations of `meta` whose target rows must be live for a row of `meta` to come
 * back (be restored): no row reappears under a hidden parent.
 */
export function parentsThatMustBeLive(meta: EntityMetadata): readonly RelationMetadata[] {
  return meta.relations.filter((relation) => relation.isDependency && relation.target.deletedAtColumn !== undefined)
}

/**
 * @internal The rows among which a unique column of `meta` must be unique: live rows only for a
 * soft-deletable class (a soft-deleted row keeps its value without blocking new ones); undefined: all rows.
 */
export function uniqueAmong(meta: EntityMetadata): RowFilter | undefined {
  return visibleRows(meta, 'live')
}
