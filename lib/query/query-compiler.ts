import type { Dialect } from '../dialect/dialect.js'
import { visibilitySql, type Quote } from '../dialect/soft-delete-sql.js'
import { ValidationError } from '../errors/validation-error.js'
import type { ColumnType } from '../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata } from '../metadata/entity-metadata.js'
import { visibilityOf, type Visibility } from '../soft-delete/visibility.js'
import { ParamList, type CompiledQuery } from './param-list.js'
import { SelectTextCache } from './select-text-cache.js'
import { andSql, UnsavedInstanceInWhere, WhereCompiler, type InstanceId } from './where-compiler.js'
import { afterRowSql, orderBySql, sortKeysOf } from './sort-keys.js'

// Old import paths: these moved to param-list.ts, where-compiler.ts and soft-delete/visibility.ts.

/** @internal The options `find()` accepts, untyped (the typed form lives with Entity). */
export interface RawFindOptions {
  readonly where?: object
  readonly orderBy?: object
  readonly limit?: number
  readonly offset?: number
  readonly relations?: object
  /** Soft-deletable classes: include soft-deleted rows. */
  readonly withDeleted?: boolean
  /** Soft-deletable classes: only soft-deleted rows. */
  readonly onlyDeleted?: boolean
}

/** @internal Builds SELECT and COUNT statements for a dialect; validates every key and value first. */
export class QueryCompiler {
  readonly #selectLists = new Map<string, string>()
  readonly #byIdQueries = new Map<string, string>()
  readonly #quote: Quote
  readonly #where: WhereCompiler
  readonly #selectTexts: SelectTextCache

  constructor(
    readonly dialect: Dialect,
    readonly instanceId: InstanceId,
  ) {
    this.#quote = (name) => dialect.quote(name)
    this.#where = new WhereCompiler(dialect, instanceId)
    this.#selectTexts = new SelectTextCache(dialect, (meta, column, value) => this.#where.checkValue(meta, column, value))
  }

  /** `sql IN (ids)` with the ids encoded as `type` and bound as one list parameter. */
  inIds(sql: string, type: ColumnType, ids: readonly unknown[], params: ParamList): string {
    return this.#where.inIds(sql, type, ids, params)
  }

  /** Rows whose `column` is one of `values` (ids), ordered by id: how relations are loaded. */
  selectWhereIn(meta: EntityMetadata, column: ColumnMetadata, values: readonly unknown[], visibility: Visibility = 'all'): CompiledQuery {
    const params = new ParamList(this.dialect)
    const condition = andSql(this.inIds(this.#quote(column.name), column.type, values, params), visibilitySql(meta, visibility, this.#quote))
    const text = `SELECT ${this.selectList(meta)} FROM ${this.#quote(meta.tableName)} WHERE ${condition} ORDER BY ${this.#quote(meta.idColumn.name)}`
    return { text, params: params.values }
  }

  /**
   * Rows of `result` joined through a junction to the given ids of one side ('owner' or 'target'),
   * each row followed by the matched id, ordered by that id then by the row's id.
   */
  selectThroughJunction(
    result: EntityMetadata,
    junction: JunctionMetadata,
    side: 'owner' | 'target',
    ids: readonly unknown[],
    visibility: Visibility,
  ): CompiledQuery {
    const q = this.#quote
    const [matchColumn, matchType, joinColumn] =
      side === 'owner'
        ? [junction.ownerColumn, junction.ownerType, junction.targetColumn]
        : [junction.targetColumn, junction.targetType, junction.ownerColumn]
    const params = new ParamList(this.dialect)
    const match = `j.${q(matchColumn)}`
    const id = `r.${q(result.idColumn.name)}`
    const text =
      `SELECT ${this.selectList(result, 'r')}, ${match} FROM ${q(junction.tableName)} AS j ` +
      `JOIN ${q(result.tableName)} AS r ON ${id} = j.${q(joinColumn)} ` +
      `WHERE ${andSql(this.inIds(match, matchType, ids, params), visibilitySql(result, visibility, q, 'r.'))} ` +
      `ORDER BY ${match}, ${id}`
    return { text, params: params.values }
  }

  /** The WHERE condition of a `where` object, with its parameters bound into `params`. */
  whereSql(meta: EntityMetadata, where: object | undefined, params: ParamList): string {
    return this.#where.where(meta, where, params)
  }

  /**
   * The SELECT of `find()`; with `after` (a raw row it returned), only the rows that sort after that row,
   * as a stream reopens its query (see `afterRowSql`).
   */
  select(meta: EntityMetadata, options: RawFindOptions = {}, after?: readonly unknown[]): CompiledQuery {
    if (after) return this.#select(meta, options, after)
    return this.#selectTexts.select(meta, options, visibilityOf(options), () => this.#select(meta, options)) ?? this.#select(meta, options)
  }

  #select(meta: EntityMetadata, options: RawFindOptions, after?: readonly unknown[]): CompiledQuery {
    const params = new ParamList(this.dialect)
    let where = andSql(visibilitySql(meta, visibilityOf(options), this.#quote), this.#where.where(meta, options.where, params))
    if (after) where = andSql(where, afterRowSql(sortKeysOf(meta, options.orderBy ?? {}), after, this.#quote, params.bind))
    const orderBy = this.#orderBy(meta, options.orderBy)
    const limit = this.#bindCount(meta, 'limit', options.limit, params)
    const offset = this.#bindCount(meta, 'offset', options.offset, params)
    const text =
      `SELECT ${this.selectList(meta)} FROM ${this.#quote(meta.tableName)}` +
      (where ? ` WHERE ${where}` : '') +
      ` ORDER BY ${orderBy}` +
      this.dialect.limitOffsetSql(limit, offset)
    return this.#complete(meta, text, params)
  }

  selectById(meta: EntityMetadata, id: unknown, visibility: Visibility = 'live'): CompiledQuery {
    this.#where.checkValue(meta, meta.idColumn, id)
    const key = `${meta.className}:${visibility}`
    let text = this.#byIdQueries.get(key)
    if (!text) {
      const visible = visibilitySql(meta, visibility, this.#quote)
      text =
        `SELECT ${this.selectList(meta)} FROM ${this.#quote(meta.tableName)} ` +
        `WHERE ${this.#quote(meta.idColumn.name)} = ${this.dialect.placeholder(1)}${visible ? ` AND ${visible}` : ''}`
      this.#byIdQueries.set(key, text)
    }
    return { text, params: [this.dialect.encode(meta.idColumn.type, id)] }
  }

  count(meta: EntityMetadata, whereInput: object | undefined, visibility: Visibility = 'live'): CompiledQuery {
    const params = new ParamList(this.dialect)
    const where = andSql(visibilitySql(meta, visibility, this.#quote), this.#where.where(meta, whereInput, params))
    const text = `SELECT COUNT(*) FROM ${this.#quote(meta.tableName)}${where ? ` WHERE ${where}` : ''}`
    return this.#complete(meta, text, params)
  }

  /** Only a query that is valid in every other way asks to be compiled again after a flush. */
  #complete(meta: EntityMetadata, text: string, params: ParamList): CompiledQuery {
    if (params.hasUnsavedInstance) {
      throw new UnsavedInstanceInWhere(`A where of ${meta.className} names an instance that is not saved yet; it has no id to match.`)
    }
    return { text, params: params.values }
  }

  /**
   * Every column of the class, in slot order, optionally qualified by a table alias; for a class with booted
   * descendants, then the columns only they map (their rows are hydrated from them).
   */
  selectList(meta: EntityMetadata, alias?: string): string {
    const key = alias ? `${alias}.${meta.className}` : meta.className
    let list = this.#selectLists.get(key)
    if (!list) {
      const prefix = alias ? `${alias}.` : ''
      const { readColumns } = meta.hierarchy
      list = (readColumns.length > 0 ? readColumns : meta.columns).map((column) => prefix + this.#quote(column.name)).join(', ')
      this.#selectLists.set(key, list)
    }
    return list
  }

  #orderBy(meta: EntityMetadata, orderBy: object | undefined): string {
    if (orderBy === undefined) return `${this.#quote(meta.idColumn.name)} ASC`
    return orderBySql(sortKeysOf(meta, orderBy), this.#quote)
  }

  #bindCount(meta: EntityMetadata, name: string, value: number | undefined, params: ParamList): string | undefined {
    if (value === undefined) return undefined
    if (!Number.isSafeInteger(value) || value < 0) {
      throw ValidationError.badOption(`${meta.className}.find(): '${name}' must be a non-negative integer, not ${String(value)}.`)
    }
    return params.bind(value)
  }
}
