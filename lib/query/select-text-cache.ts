import type { Dialect } from '../dialect/dialect.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import type { Visibility } from '../soft-delete/visibility.js'
import type { CompiledQuery } from './param-list.js'

/** The few keys of find options a cached select may carry; anything else is compiled in full. */
const CACHEABLE_OPTIONS = new Set(['where', 'withDeleted', 'onlyDeleted', 'relations', 'consistency'])

/** Checks a value against its column the way the where compiler does (throws the same error). */
export type ValueCheck = (meta: EntityMetadata, column: ColumnMetadata, value: unknown) => void

/**
 * @internal The statement text of the most common `find()`: a where of plain values, one per column or
 * to-one relation (`{ createdBy: id, age: 3 }`), no order, limit or offset. Its text depends only on the
 * class, the visibility and the where's keys, so it is compiled once (by the full compiler) and reused;
 * each call only checks and encodes its values. Any other shape returns undefined and is compiled in full.
 */
export class SelectTextCache {
  /** Per class, per `visibility|key,key,...`, the text the full compiler produced. */
  readonly #texts = new WeakMap<EntityMetadata, Map<string, string>>()

  constructor(
    readonly dialect: Dialect,
    readonly checkValue: ValueCheck,
  ) {}

  /**
   * The compiled query when `options` has the cacheable shape; `compile` builds (and validates) the text
   * the first time a shape is seen.
   */
  select(
    meta: EntityMetadata,
    options: { readonly where?: object },
    visibility: Visibility,
    compile: () => CompiledQuery,
  ): CompiledQuery | undefined {
    for (const key in options) if (!CACHEABLE_OPTIONS.has(key)) return undefined
    const where = options.where
    if (where === undefined || where === null || Object.getPrototypeOf(where) !== Object.prototype) return undefined
    const keys = Object.keys(where)
    const params = new Array<unknown>(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const column = this.#plainColumn(meta, key)
      const value = (where as Record<string, unknown>)[key]
      if (!column || !isPlainValue(value)) return undefined
      this.checkValue(meta, column, value)
      params[i] = this.dialect.encode(column.type, value)
    }
    let texts = this.#texts.get(meta)
    if (!texts) this.#texts.set(meta, (texts = new Map()))
    const cacheKey = `${visibility}|${keys.join(',')}`
    let text = texts.get(cacheKey)
    if (text === undefined) {
      text = compile().text
      texts.set(cacheKey, text)
    }
    return { text, params }
  }

  /** The column a where key compares with `=` when given a plain value: a column, or a to-one relation's key. */
  #plainColumn(meta: EntityMetadata, key: string): ColumnMetadata | undefined {
    const relation = meta.relationsByProperty.get(key)
    if (relation) return relation.kind === 'toOne' ? relation.column : undefined
    const column = meta.byProperty.get(key)
    // JSON columns only match null or a sql`` fragment: the full compiler says so.
    return column && column.type !== 'json' ? column : undefined
  }
}

/** A value a where compares with `=`: not null, a list, an object (instance, fragment, nested where) or undefined. */
function isPlainValue(value: unknown): boolean {
  const type = typeof value
  return type === 'string' || type === 'number' || type === 'bigint' || type === 'boolean'
}
