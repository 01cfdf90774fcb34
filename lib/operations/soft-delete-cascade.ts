import type { Connection } from '../dialect/dialect.js'
import type { EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import type { SoftDeleteCompiler } from '../query/soft-delete-compiler.js'
import type { DeletionAudit } from '../soft-delete/deletion-audit.js'
import { runDeletedAtUpdate } from './deleted-at-update.js'
import type { SoftDeleteHost } from './operation-host.js'
import { afterRows, beforeSelectedRows } from './hook-calls.js'

/**
 * What `softDelete({ cascade: true })` and `restore({ cascade: true })` did: the number of rows soft-deleted
 * (or restored) per class name, the root's class included (0 when the call changed nothing), e.g.
 * `{ Story: 1, Review: 5 }`. Rows a cascade walked through that were already soft-deleted are not counted.
 */
export type CascadeCounts = Readonly<Record<string, number>>

/** @internal What a cascade runs with: the host, its statements, the call's transaction connection, the audit and the tally. */
export interface CascadeScope {
  readonly host: SoftDeleteHost
  readonly statements: SoftDeleteCompiler
  readonly connection: Connection
  /** The soft delete's actor and reason (undefined for a restore). */
  readonly audit?: DeletionAudit
  /** Rows changed so far, per class name. */
  readonly counts: Record<string, number>
}

/** @internal Adds `n` changed rows of `meta` to the tally. */
export function tally(counts: Record<string, number>, meta: EntityMetadata, n: number): void {
  counts[meta.className] = (counts[meta.className] ?? 0) + n
}

/**
 * @internal Soft-deletes, with `stamp`, the live soft-deletable rows that depend on the rows `ids` of `meta`
 * through required relations, and so on down. Rows already soft-deleted keep their own time but are
 * walked through, so that nothing below them stays visible. Plain Entity dependents, and what depends
 * on them, are left as they are.
 */
export async function cascadeSoftDelete(scope: CascadeScope, meta: EntityMetadata, ids: readonly unknown[], stamp: Date): Promise<void> {
  const { host, statements, connection, audit } = scope
  for (const [owner, relations] of host.graph.dependencyRelations(meta)) {
    if (!owner.deletedAtColumn) continue
    const hooked = await beforeSelectedRows(host, connection, owner, 'softDelete', () => statements.selectCascadeSoftDelete(owner, relations, ids))
    const query = statements.cascadeSoftDelete(owner, relations, ids, stamp, audit)
    const cascaded = await runDeletedAtUpdate(host, connection, owner, query, stamp, audit)
    tally(scope.counts, owner, cascaded.length)
    await afterRows(host, owner, 'softDelete', 'softDelete', cascaded, hooked, true)
    const select = statements.selectReferencingIds(owner, relations, ids)
    const rows = await connection.select(select.text, select.params, owner.needsSafeIntegers)
    const hidden = rows.map((row) => host.dialect.decode(owner.idColumn.type, row[0]))
    if (hidden.length > 0) await cascadeSoftDelete(scope, owner, hidden, stamp)
  }
}

/**
 * @internal Restores, level by level below the restored rows `ids`, the rows deleted in the cascade's
 * millisecond whose every required soft-deletable parent is live by then: a row whose other parent
 * stays hidden stays hidden with it, and so does everything below it.
 */
export async function cascadeRestore(scope: CascadeScope, meta: EntityMetadata, ids: readonly unknown[], stamp: Date): Promise<void> {
  const { host, statements, connection } = scope
  for (const [owner, relations] of host.graph.dependencyRelations(meta)) {
    if (!owner.deletedAtColumn) continue
    const hooked = await beforeSelectedRows(host, connection, owner, 'restore', () => statements.selectCascadeRestore(owner, relations, ids, stamp))
    const restored = await runDeletedAtUpdate(host, connection, owner, statements.cascadeRestore(owner, relations, ids, stamp), undefined)
    tally(scope.counts, owner, restored.length)
    await afterRows(host, owner, 'restore', 'restore', restored, hooked, true)
    if (restored.length > 0) await cascadeRestore(scope, owner, restored, stamp)
  }
}
