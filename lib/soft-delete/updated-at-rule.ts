import type { ColumnRole, EntityMetadata } from '../metadata/entity-metadata.js'

// A soft delete or a restore hides or shows a row; it does not edit it, so it leaves updatedAt alone.

const SOFT_DELETE_ROLES: ReadonlySet<ColumnRole> = new Set<ColumnRole>(['deletedAt', 'deletedBy', 'deletionReason'])

/**
 * @internal Whether writing these dirty slots moves updatedAt: any column but `deleted_at` (and the audit
 * columns written with it) does; to-many membership (junction rows) and soft delete/restore do not.
 */
export function changesUpdatedAt(meta: EntityMetadata, slots: ReadonlySet<number>): boolean {
  for (const slot of slots) {
    const column = meta.columns[slot]
    if (column && !SOFT_DELETE_ROLES.has(column.role)) return true
  }
  return false
}
