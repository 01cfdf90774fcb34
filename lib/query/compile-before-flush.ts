import { UnsavedInstanceInWhere } from './where-compiler.js'
import type { CompiledQuery } from './param-list.js'

/**
 * @internal Compiles a query before the flush that precedes it, so that a bad query changes nothing; a where
 * naming a not-yet-inserted instance is compiled again after the flush gave it an id.
 */
export function compileBeforeFlush(compile: () => CompiledQuery): CompiledQuery | undefined {
  try {
    return compile()
  } catch (error) {
    if (error instanceof UnsavedInstanceInWhere) return undefined
    throw error
  }
}
