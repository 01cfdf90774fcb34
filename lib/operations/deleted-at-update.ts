import type { Connection } from '../dialect/dialect.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import type { CompiledQuery } from '../query/param-list.js'
import { STATE, type Stateful } from '../state/entity-state.js'
import { applySoftDeleteState } from '../soft-delete/soft-delete-memory.js'
import type { DeletionAudit } from '../soft-delete/deletion-audit.js'
import { loadedVersion } from '../session/row-encoder.js'
import type { OperationHost, SoftDeleteHost } from './operation-host.js'

/**
 * @internal Runs an UPDATE of deleted_at built by the {@link SoftDeleteCompiler} and brings memory in line:
 * identity-mapped instances take `deletedAt` (undefined for a restore), the soft delete's `audit` and the new
 * version. Returns the ids.
 */
export async function runDeletedAtUpdate(
  host: SoftDeleteHost,
  connection: Connection,
  meta: EntityMetadata,
  query: CompiledQuery,
  deletedAt: Date | undefined,
  audit?: DeletionAudit,
): Promise<unknown[]> {
  const rows = await connection.select(query.text, query.params, meta.needsSafeIntegers)
  const ids = rows.map((row) => host.dialect.decode(meta.idColumn.type, row[0]))
  applySoftDeleteState(host, host.currentWork(), meta, ids, deletedAt, audit)
  if (meta.versionColumn) followVersions(host, meta, meta.versionColumn, ids, rows)
  return ids
}

/**
 * @internal Instances in memory take the version this process's own update gave their row, when they held the one
 * before it; an instance that was already behind stays behind, so that its next write still conflicts.
 */
export function followVersions(host: OperationHost, meta: EntityMetadata, version: ColumnMetadata, ids: readonly unknown[], rows: readonly unknown[][]): void {
  ids.forEach((id, i) => {
    const entity = host.identityMap.get(meta, id) as Stateful | undefined
    const next = Number(rows[i]?.[1])
    if (entity && loadedVersion(entity[STATE], version) === next - 1) entity[STATE].values[version.index] = next
  })
}
