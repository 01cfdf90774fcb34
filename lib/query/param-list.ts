import type { Dialect } from '../dialect/dialect.js'

/** @internal A compiled statement: SQL text with the dialect's placeholders and its parameters. */
export interface CompiledQuery {
  readonly text: string
  readonly params: unknown[]
}

/** @internal Collects bound parameters and hands out the dialect's placeholders. */
export class ParamList {
  readonly values: unknown[] = []
  /** The where named an instance without an id; a stand-in id was bound so that checking went on. */
  hasUnsavedInstance = false
  constructor(readonly dialect: Dialect) {}

  bind = (value: unknown): string => {
    this.values.push(value)
    return this.dialect.placeholder(this.values.length)
  }
}
