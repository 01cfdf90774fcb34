import type { Connection } from '../dialect/dialect.js'
import type { EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import type { SoftDeleteCompiler } from '../query/soft-delete-compiler.js'
import { runDeletedAtUpdate } from './deleted-at-update.js'
import type { SoftDeleteHost } from './operation-host.js'
import { STATE, type Stateful } from '../state/entity-state.js'
import { afterRows, beforeRows, type HookedRows } from './hook-calls.js'

/** @internal What a cascade runs with: the host, its statements and the call's transaction connection. */
export interface CascadeScope {
  readonly host: SoftDeleteHost
  readonly statements: SoftDeleteCompiler
  readonly connection: Connection
}

/**
 * @internal Soft-deletes, with `stamp`, the live soft-deletable rows that depend on the rows `ids` of `meta`
 * through required relations, and so on down. Rows already soft-deleted keep their own time but are
 * walked through, so that nothing below them stays visible. Plain Entity dependents, and what depends
 * on them, are left as they are.
 */
export async function cascadeSoftDelete(scope: CascadeScope, meta: EntityMetadata, ids: readonly unknown[], stamp: Date): Promise<void> {
  const { host, statements, connection } = scope
  for (const [owner, relations] of host.graph.dependencyRelations(meta)) {
    if (!owner.deletedAtColumn) continue
    const hooked = await beforeCascade(scope, owner, relations, ids, 'softDelete', (value) => value === undefined)
    const cascaded = await runDeletedAtUpdate(host, connection, owner, statements.cascadeSoftDelete(owner, relations, ids, stamp), stamp)
    await afterRows(host, owner, 'softDelete', 'softDelete', cascaded, hooked, true)
    const query = statements.selectReferencingIds(owner, relations, ids)
    const rows = await connection.select(query.text, query.params, owner.needsSafeIntegers)
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
    const hooked = await beforeCascade(scope, owner, relations, ids, 'restore', (value) => value instanceof Date && value.getTime() === stamp.getTime())
    const restored = await runDeletedAtUpdate(host, connection, owner, statements.cascadeRestore(owner, relations, ids, stamp), undefined)
    await afterRows(host, owner, 'restore', 'restore', restored, hooked, true)
    if (restored.length > 0) await cascadeRestore(scope, owner, restored, stamp)
  }
}

/**
 * The before phase of one cascade step, only when someone wants the event: the rows of `owner` that
 * reference `ids` (one more SELECT), kept when their deleted_at passes `isTarget` (live for a soft delete,
 * the cascade's stamp for a restore). A restore that then skips a row under a still-hidden parent ran its
 * before-hook without writing it (documented).
 */
async function beforeCascade(
  scope: CascadeScope,
  owner: EntityMetadata,
  relations: readonly RelationMetadata[],
  ids: readonly unknown[],
  event: 'softDelete' | 'restore',
  isTarget: (deletedAt: unknown) => boolean,
): Promise<HookedRows | undefined> {
  const { host, statements, connection } = scope
  if (!host.hooks.isActive || !host.hooks.hasHooks(owner, event)) return undefined
  const query = statements.selectReferencingIds(owner, relations, ids)
  const rows = await connection.select(query.text, query.params, owner.needsSafeIntegers)
  const referencing = rows.map((row) => host.dialect.decode(owner.idColumn.type, row[0]))
  const slot = (owner.deletedAtColumn as { index: number }).index
  return beforeRows(host, connection, owner, event, referencing, (entity: Stateful) => isTarget(entity[STATE].values[slot]))
}
