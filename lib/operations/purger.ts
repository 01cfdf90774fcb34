import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isWritableValue } from '../metadata/column-values.js'
import { SoftDeleteCompiler } from '../query/soft-delete-compiler.js'
import { applyHardDelete } from '../session/applied-deletes.js'
import { softDeletableMeta } from './bulk-soft-deleter.js'
import type { SoftDeleteHost } from './operation-host.js'
import { afterRows, beforeSelectedRows, hookedIds } from './hook-calls.js'
import { typedError } from '../hooks/hook-runner.js'

/** What `purgeDeleted()` did: rows hard-deleted, and soft-deleted rows kept because dependents reference them. */
export interface PurgeResult {
  readonly purged: number
  readonly blocked: number
}

/** @internal `Class.purgeDeleted({ olderThan })`: hard-deletes old soft-deleted rows that nothing references. */
export async function purgeDeleted(host: SoftDeleteHost, ctor: object & { name: string }, options: { olderThan?: Date } | undefined): Promise<PurgeResult> {
  host.enter()
  const meta = softDeletableMeta(host, ctor, 'purgeDeleted')
  const olderThan = options?.olderThan
  if (!isWritableValue('date', olderThan)) {
    throw ValidationError.wrongType(`${meta.className}.purgeDeleted({ olderThan })`, EXPECTED_VALUE.date, olderThan)
  }
  const statements = new SoftDeleteCompiler(host.compiler)
  return host.transaction(async () => {
    const work = host.currentWork()
    const dependencies = host.graph.dependencyRelations(meta)
    try {
      const candidates = () => statements.selectPurgeable(meta, dependencies, olderThan as Date)
      const hooked = await beforeSelectedRows(host, work.connection, meta, 'delete', candidates)
      const purge = statements.purge(meta, dependencies, olderThan as Date, hookedIds(hooked))
      const rows = await work.connection.select(purge.text, purge.params, meta.needsSafeIntegers)
      const ids = rows.map((row) => host.dialect.decode(meta.idColumn.type, row[0]))
      await afterRows(host, meta, 'delete', 'purgeDeleted', ids, hooked)
      applyHardDelete(host, work, meta, ids)
      const blocked = statements.countPurgeBlocked(meta, olderThan as Date)
      const remaining = await work.connection.select(blocked.text, blocked.params, false)
      return { purged: ids.length, blocked: Number(remaining[0]?.[0] ?? 0) }
    } catch (error) {
      throw typedError(error, (cause) => host.toOrmError(cause))
    }
  })
}
