import { UniqueConstraintError } from '../errors/unique-constraint-error.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import { compileBeforeFlush } from '../query/compile-before-flush.js'
import { SoftDeleteCompiler, type DeletedAtChange } from '../query/soft-delete-compiler.js'
import { auditNow, checkReason } from '../soft-delete/deletion-audit.js'
import { mayShowRows, noteRowsChanged } from '../soft-delete/soft-delete-memory.js'
import { runDeletedAtUpdate } from './deleted-at-update.js'
import type { SoftDeleteHost } from './operation-host.js'
import { afterRows, beforeSelectedRows, inBulkScope, whereHooked } from './hook-calls.js'
import { typedError } from '../hooks/hook-runner.js'

/** @internal `Class.softDelete({ where, reason })`: one UPDATE of the live rows that match (recording the actor and reason when audited). */
export async function softDeleteWhere(
  host: SoftDeleteHost,
  ctor: object & { name: string },
  options: { where?: object; reason?: string } | undefined,
): Promise<number> {
  return bulk(host, ctor, options, 'softDelete')
}

/** @internal `Class.restore({ where })`: one UPDATE of the soft-deleted rows that match. */
export async function restoreWhere(host: SoftDeleteHost, ctor: object & { name: string }, options: { where?: object } | undefined): Promise<number> {
  return bulk(host, ctor, options, 'restore')
}

/** @internal The metadata of a class that `method` needs to be soft-deletable. */
export function softDeletableMeta(host: SoftDeleteHost, ctor: object & { name: string }, method: string): EntityMetadata {
  const meta = host.metadataFor(ctor, ctor.name)
  if (!meta.deletedAtColumn) {
    throw ValidationError.badOption(`${meta.className}.${method}(): ${meta.className} does not extend SoftDel or SoftDelUuid.`)
  }
  return meta
}

async function bulk(
  host: SoftDeleteHost,
  ctor: object & { name: string },
  options: { where?: object; reason?: string } | undefined,
  mode: DeletedAtChange,
): Promise<number> {
  host.enter()
  const meta = softDeletableMeta(host, ctor, mode)
  const audit = mode === 'softDelete' ? auditNow(checkReason(meta, mode, options?.reason)) : undefined
  if (options?.where === undefined) {
    throw ValidationError.badOption(`${meta.className}.${mode}() needs { where }; pass { where: {} } for every row.`)
  }
  const where = options.where
  compileBeforeFlush(() => host.compiler.count(meta, where, 'all')) // checks the where before anything runs
  return inBulkScope(host, meta, mode, async (connection) => {
    const stamp = mode === 'softDelete' ? host.nextDeletionStamp() : undefined
    try {
      const statements = new SoftDeleteCompiler(host.compiler)
      if (!wantsEvent(host, meta, mode) && !mayShowRows(host, meta, mode === 'softDelete')) {
        // No hook, no listener and no loaded instance needs the rows' ids: the UPDATE returns none.
        const query = statements.updateWhere(meta, mode, where, stamp, audit, false)
        const changed = await connection.execute(query.text, query.params)
        if (changed > 0) noteRowsChanged(host, host.currentWork(), meta, mode === 'softDelete')
        return changed
      }
      const hooked = await beforeSelectedRows(host, connection, meta, mode, () => statements.selectUpdateWhere(meta, mode, where))
      // A bulk restore skips rows whose required parent stays soft-deleted (they must not come back under it).
      const query = statements.updateWhere(meta, mode, whereHooked(meta, where, hooked), stamp, audit)
      const ids = await runDeletedAtUpdate(host, connection, meta, query, stamp, audit)
      await afterRows(host, meta, mode, mode === 'softDelete' ? 'bulkSoftDelete' : 'bulkRestore', ids, hooked)
      return ids.length
    } catch (error) {
      const typed = typedError(error, (cause) => host.toOrmError(cause))
      throw typed instanceof UniqueConstraintError && mode === 'restore' ? UniqueConstraintError.inRestore(typed, `restore the matching ${meta.className} rows`) : typed
    }
  })
}

/** Whether a hook or listener of the class wants to hear of the bulk soft delete or restore (it gets the rows). */
function wantsEvent(host: SoftDeleteHost, meta: EntityMetadata, mode: DeletedAtChange): boolean {
  return host.hooks.isActive && host.hooks.wants(meta, mode)
}
