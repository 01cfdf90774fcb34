import type { Dialect } from '../dialect/dialect.js'
import { ValidationError } from '../errors/validation-error.js'
import { EXPECTED_VALUE, isComparableValue } from '../metadata/column-values.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { SqlFragment, WhereCombinator } from './sql.js'

/** @internal A compiled statement: SQL text with the dialect's placeholders and its parameters. */
export interface CompiledQuery {
  readonly text: string
  readonly params: unknown[]
}

/** @internal The options `find()` accepts, untyped (the typed form lives with Entity). */
export interface RawFindOptions {
  readonly where?: object
  readonly orderBy?: object
  readonly limit?: number
  readonly offset?: number
}

/** Collects bound parameters and hands out the dialect's placeholders. */
class ParamList {
  readonly values: unknown[] = []
  constructor(readonly dialect: Dialect) {}

  bind = (value: unknown): string => {
    this.values.push(value)
    return this.dialect.placeholder(this.values.length)
  }
}

/** @internal Builds SELECT and COUNT statements for a dialect; validates every key and value first. */
export class QueryCompiler {
  readonly #selectLists = new Map<EntityMetadata, string>()
  readonly #byIdQueries = new Map<EntityMetadata, string>()

  constructor(readonly dialect: Dialect) {}

  select(meta: EntityMetadata, options: RawFindOptions = {}): CompiledQuery {
    const params = new ParamList(this.dialect)
    const where = this.#where(meta, options.where, params)
    const orderBy = this.#orderBy(meta, options.orderBy)
    const limit = this.#bindCount(meta, 'limit', options.limit, params)
    const offset = this.#bindCount(meta, 'offset', options.offset, params)
    const text =
      `SELECT ${this.#selectList(meta)} FROM ${this.dialect.quote(meta.tableName)}` +
      (where ? ` WHERE ${where}` : '') +
      ` ORDER BY ${orderBy}` +
      this.dialect.limitOffsetSql(limit, offset)
    return { text, params: params.values }
  }

  selectById(meta: EntityMetadata, id: unknown): CompiledQuery {
    this.#checkValue(meta, meta.idColumn, id)
    let text = this.#byIdQueries.get(meta)
    if (!text) {
      text =
        `SELECT ${this.#selectList(meta)} FROM ${this.dialect.quote(meta.tableName)} ` +
        `WHERE ${this.dialect.quote(meta.idColumn.name)} = ${this.dialect.placeholder(1)}`
      this.#byIdQueries.set(meta, text)
    }
    return { text, params: [this.dialect.encode(meta.idColumn.type, id)] }
  }

  count(meta: EntityMetadata, whereInput: object | undefined): CompiledQuery {
    const params = new ParamList(this.dialect)
    const where = this.#where(meta, whereInput, params)
    const text = `SELECT COUNT(*) FROM ${this.dialect.quote(meta.tableName)}${where ? ` WHERE ${where}` : ''}`
    return { text, params: params.values }
  }

  #selectList(meta: EntityMetadata): string {
    let list = this.#selectLists.get(meta)
    if (!list) {
      list = meta.columns.map((column) => this.dialect.quote(column.name)).join(', ')
      this.#selectLists.set(meta, list)
    }
    return list
  }

  #where(meta: EntityMetadata, where: object | undefined, params: ParamList): string {
    if (where === undefined) return ''
    if (where === null || typeof where !== 'object' || Array.isArray(where)) {
      throw ValidationError.badOption(`${meta.className}.find(): 'where' must be an object of property: value pairs.`)
    }
    const conditions: string[] = []
    for (const [key, value] of Object.entries(where)) {
      const column = meta.byProperty.get(key)
      if (!column) throw ValidationError.unknownProperty(meta.className, key, meta.propertyNames)
      if (value === undefined) throw ValidationError.undefinedInWhere(meta.className, key)
      conditions.push(this.#condition(meta, column, value, params))
    }
    return conditions.join(' AND ')
  }

  #condition(meta: EntityMetadata, column: ColumnMetadata, value: unknown, params: ParamList): string {
    const name = this.dialect.quote(column.name)
    if (value === null) return `${name} IS NULL`
    if (value instanceof SqlFragment) return this.#fragment(meta, column, name, value, params)
    if (value instanceof WhereCombinator) {
      const parts = value.items.map((item) => this.#condition(meta, column, item, params))
      return `(${parts.join(` ${value.operator} `)})`
    }
    if (column.type === 'json') {
      throw ValidationError.badOption(
        `${meta.className}.${column.property} is a json column; match it with null or a sql\`\` fragment.`,
      )
    }
    if (Array.isArray(value)) {
      // An empty list matches nothing, as IN () would if SQL allowed it.
      if (value.length === 0) return '1 = 0'
      for (const item of value) this.#checkValue(meta, column, item)
      const encoded = value.map((item) => this.dialect.encode(column.type, item))
      return this.dialect.inList(name, column.type, encoded, params.bind)
    }
    this.#checkValue(meta, column, value)
    return `${name} = ${params.bind(this.dialect.encode(column.type, value))}`
  }

  #fragment(meta: EntityMetadata, column: ColumnMetadata, name: string, fragment: SqlFragment, params: ParamList): string {
    let text = ''
    fragment.strings.forEach((part, i) => {
      text += part
      if (i < fragment.values.length) text += this.#fragmentValue(meta, column, fragment.values[i], params)
    })
    return text.includes('#') ? `(${text.replace(/#/g, name)})` : `${name} ${text.trim()}`
  }

  #fragmentValue(meta: EntityMetadata, column: ColumnMetadata, value: unknown, params: ParamList): string {
    if (Array.isArray(value)) {
      if (value.length === 0) throw ValidationError.badOption(`An empty list inside sql\`\` for ${meta.className}.${column.property} matches nothing; leave the condition out instead.`)
      return `(${value.map((item) => this.#fragmentValue(meta, column, item, params)).join(', ')})`
    }
    const isScalar =
      value === null ||
      ['string', 'number', 'bigint', 'boolean'].includes(typeof value) ||
      (value instanceof Date && !Number.isNaN(value.getTime()))
    if (!isScalar) {
      throw ValidationError.wrongType(`A value inside sql\`\` for ${meta.className}.${column.property}`, 'a string, number, bigint, boolean, Date or null', value)
    }
    return params.bind(this.dialect.encodeLoose(value))
  }

  #checkValue(meta: EntityMetadata, column: ColumnMetadata, value: unknown): void {
    if (!isComparableValue(column.type, value)) {
      throw ValidationError.wrongType(`${meta.className}.${column.property}`, EXPECTED_VALUE[column.type], value)
    }
  }

  #orderBy(meta: EntityMetadata, orderBy: object | undefined): string {
    const id = this.dialect.quote(meta.idColumn.name)
    if (orderBy === undefined) return `${id} ASC`
    if (orderBy === null || typeof orderBy !== 'object') {
      throw ValidationError.badOption(`${meta.className}.find(): 'orderBy' must be an object such as { createdAt: 'desc' }.`)
    }
    const parts: string[] = []
    let hasId = false
    for (const [key, direction] of Object.entries(orderBy)) {
      const column = meta.byProperty.get(key)
      if (!column) throw ValidationError.unknownProperty(meta.className, key, meta.propertyNames)
      const normalized = typeof direction === 'string' ? direction.toUpperCase() : ''
      if (normalized !== 'ASC' && normalized !== 'DESC') {
        throw ValidationError.badOption(`${meta.className}.find(): orderBy.${key} must be 'asc' or 'desc', not ${JSON.stringify(direction)}.`)
      }
      hasId ||= column.role === 'id'
      parts.push(`${this.dialect.quote(column.name)} ${normalized}`)
    }
    // The id breaks ties so that limit/offset pages are stable.
    if (!hasId) parts.push(`${id} ASC`)
    return parts.join(', ')
  }

  #bindCount(meta: EntityMetadata, name: string, value: number | undefined, params: ParamList): string | undefined {
    if (value === undefined) return undefined
    if (!Number.isSafeInteger(value) || value < 0) {
      throw ValidationError.badOption(`${meta.className}.find(): '${name}' must be a non-negative integer, not ${String(value)}.`)
    }
    return params.bind(value)
  }
}
