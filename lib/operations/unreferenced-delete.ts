import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { DeleteCompiler } from '../query/delete-compiler.js'
import { applyHardDelete } from '../session/applied-deletes.js'
import type { DeleteHost } from './operation-host.js'

/**
 * @internal The common case of `delete()` as one statement: outside a transaction, when no hook or listener
 * wants the class's delete, one DELETE checks the dependents itself (`NOT EXISTS`) and removes the row, in
 * autocommit (atomic on its own, so no BEGIN and COMMIT); memory then follows as after the full path.
 * Returns false when it deleted nothing: the caller runs the full path, which says why (DependentsError,
 * ConcurrencyError, a detached instance) or deletes the row after all. Errors come out typed: a
 * ForeignKeyError means a dependent that another process inserted after the check.
 */
export async function deleteUnreferenced(host: DeleteHost, statements: DeleteCompiler, meta: EntityMetadata, id: unknown): Promise<boolean> {
  const work = host.currentWork()
  // Inside a transaction a failed statement would abort it on PostgreSQL, where the full path's savepoint
  // keeps it usable; hooks and listeners need the full path's before and after phases.
  if (work.journal || (host.hooks.isActive && host.hooks.wants(meta, 'delete'))) return false
  const query = statements.deleteUnreferenced(meta, host.graph.dependencyRelations(meta), id)
  let deleted: number
  try {
    deleted = await work.connection.execute(query.text, query.params)
  } catch (error) {
    throw host.toOrmError(error)
  }
  if (deleted === 0) return false
  applyHardDelete(host, work, meta, [id])
  return true
}
