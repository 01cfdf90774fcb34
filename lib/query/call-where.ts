import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata } from '../metadata/entity-metadata.js'
import type { QueryCompiler } from './query-compiler.js'
import type { ParamList } from './param-list.js'

/**
 * @internal The condition of the `where` given to a bulk call (`Class.delete()`, `softDelete()`, `restore()`),
 * bound into `params`. Compiled after the call's flush: an instance that still has no id belongs to
 * another transaction scope, so the call is refused.
 */
export function callWhereSql(query: QueryCompiler, meta: EntityMetadata, where: object, params: ParamList, method: string): string {
  const condition = query.whereSql(meta, where, params)
  if (params.hasUnsavedInstance) throw ValidationError.badOption(`The where of ${meta.className}.${method}() names an instance that is not saved yet.`)
  return condition
}
