import type { Dialect } from '../dialect/dialect.js'
import type { ColumnType } from '../metadata/column-type.js'

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

  /** `sql IN (values)`, the values encoded as `type` and bound as one list parameter. */
  inList(sql: string, type: ColumnType, values: readonly unknown[]): string {
    return this.dialect.inList(sql, type, values.map((value) => this.dialect.encode(type, value)), this.bind)
  }
}
