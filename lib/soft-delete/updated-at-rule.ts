import type { EntityMetadata } from '../metadata/entity-metadata.js'

// A soft delete or a restore hides or shows a row; it does not edit it, so it leaves updatedAt alone.

/**
 * @internal Whether writing these dirty slots moves updatedAt: any column but `deleted_at` does;
 * to-many membership (junction rows) and soft delete/restore do not.
 */
export function changesUpdatedAt(meta: EntityMetadata, slots: ReadonlySet<number>): boolean {
  for (const slot of slots) {
    const column = meta.columns[slot]
    if (column && column.role !== 'deletedAt') return true
  }
  return false
}
