import type { Dialect } from '../dialect/dialect.js'
import { ValidationError } from '../errors/validation-error.js'
import { BINDABLE_VALUE, EXPECTED_VALUE, isBindableValue, isComparableValue, normalizeValue } from '../metadata/column-values.js'
import type { ColumnType } from '../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata } from '../metadata/entity-metadata.js'
import { jsonReason } from '../metadata/object-trap.js'
import type { JunctionMetadata, RelationMetadata } from '../metadata/relation-metadata.js'
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
  readonly relations?: object
  /** Soft-deletable classes: include soft-deleted rows. */
  readonly withDeleted?: boolean
  /** Soft-deletable classes: only soft-deleted rows. */
  readonly onlyDeleted?: boolean
}

/** @internal Which rows of a soft-deletable class a query sees. */
export type Visibility = 'live' | 'all' | 'deleted'

/** @internal The visibility the options ask for: live rows unless `withDeleted` or `onlyDeleted`. */
export function visibilityOf(options: { readonly withDeleted?: boolean; readonly onlyDeleted?: boolean } | undefined): Visibility {
  if (options?.onlyDeleted) return 'deleted'
  return options?.withDeleted ? 'all' : 'live'
}

/**
 * @internal A where names an instance that has no id yet. The runtime compiles again after the flush
 * that inserts it; anything else wrong with a query is reported before that flush.
 */
export class UnsavedInstanceInWhere extends ValidationError {}

/** `IN` or `NOT IN` at the end of the fragment text before a list. */
const LIST_OPERATOR = /(?<![\w$])(NOT\s+)?IN\s*$/i

const STAND_IN_IDS: Partial<Record<string, unknown>> = { integer: 0, bigint: 0n, uuid: '00000000-0000-0000-0000-000000000000' }

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

/**
 * @internal Tells entity instances (matched by id in a where) from nested where objects; the query
 * layer does not know how instances carry their state.
 */
export type InstanceId = (value: unknown) => { readonly id: unknown; readonly meta: EntityMetadata } | undefined

/** @internal Builds SELECT and COUNT statements for a dialect; validates every key and value first. */
export class QueryCompiler {
  readonly #selectLists = new Map<string, string>()
  readonly #byIdQueries = new Map<string, string>()

  constructor(
    readonly dialect: Dialect,
    readonly instanceId: InstanceId,
  ) {}

  /**
   * The condition that limits a soft-deletable class to the rows a query sees ('' when it sees
   * them all, or when the class is not soft-deletable), optionally on a table alias.
   */
  #visibility(meta: EntityMetadata, visibility: Visibility, alias?: string): string {
    const column = meta.deletedAtColumn
    if (!column || visibility === 'all') return ''
    const name = `${alias ? `${alias}.` : ''}${this.dialect.quote(column.name)}`
    return visibility === 'live' ? `${name} IS NULL` : `${name} IS NOT NULL`
  }

  #and(...conditions: string[]): string {
    return conditions.filter((condition) => condition !== '').join(' AND ')
  }

  /** `sql IN (ids)` with the ids encoded as `type` and bound as one list parameter. */
  inIds(sql: string, type: ColumnType, ids: readonly unknown[], params: ParamList): string {
    return this.dialect.inList(sql, type, ids.map((id) => this.dialect.encode(type, id)), params.bind)
  }

  /** Rows whose `column` is one of `values` (ids), ordered by id: how relations are loaded. */
  selectWhereIn(meta: EntityMetadata, column: ColumnMetadata, values: readonly unknown[], visibility: Visibility = 'all'): CompiledQuery {
    const params = new ParamList(this.dialect)
    const condition = this.#and(this.inIds(this.dialect.quote(column.name), column.type, values, params), this.#visibility(meta, visibility))
    const text = `SELECT ${this.selectList(meta)} FROM ${this.dialect.quote(meta.tableName)} WHERE ${condition} ORDER BY "id"`
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
    const q = (name: string): string => this.dialect.quote(name)
    const [matchColumn, matchType, joinColumn] =
      side === 'owner'
        ? [junction.ownerColumn, junction.ownerType, junction.targetColumn]
        : [junction.targetColumn, junction.targetType, junction.ownerColumn]
    const params = new ParamList(this.dialect)
    const match = `j.${q(matchColumn)}`
    const text =
      `SELECT ${this.selectList(result, 'r')}, ${match} FROM ${q(junction.tableName)} AS j ` +
      `JOIN ${q(result.tableName)} AS r ON r."id" = j.${q(joinColumn)} ` +
      `WHERE ${this.#and(this.inIds(match, matchType, ids, params), this.#visibility(result, visibility, 'r'))} ` +
      `ORDER BY ${match}, r."id"`
    return { text, params: params.values }
  }

  /** The WHERE condition of a `where` object, with its parameters bound into `params`. */
  whereSql(meta: EntityMetadata, where: object | undefined, params: ParamList): string {
    return this.#where(meta, where, params)
  }

  select(meta: EntityMetadata, options: RawFindOptions = {}): CompiledQuery {
    const params = new ParamList(this.dialect)
    const where = this.#and(this.#visibility(meta, visibilityOf(options)), this.#where(meta, options.where, params))
    const orderBy = this.#orderBy(meta, options.orderBy)
    const limit = this.#bindCount(meta, 'limit', options.limit, params)
    const offset = this.#bindCount(meta, 'offset', options.offset, params)
    const text =
      `SELECT ${this.selectList(meta)} FROM ${this.dialect.quote(meta.tableName)}` +
      (where ? ` WHERE ${where}` : '') +
      ` ORDER BY ${orderBy}` +
      this.dialect.limitOffsetSql(limit, offset)
    return this.#complete(meta, text, params)
  }

  selectById(meta: EntityMetadata, id: unknown, visibility: Visibility = 'live'): CompiledQuery {
    this.#checkValue(meta, meta.idColumn, id)
    const key = `${meta.className}:${visibility}`
    let text = this.#byIdQueries.get(key)
    if (!text) {
      const live = this.#visibility(meta, visibility)
      text =
        `SELECT ${this.selectList(meta)} FROM ${this.dialect.quote(meta.tableName)} ` +
        `WHERE ${this.dialect.quote(meta.idColumn.name)} = ${this.dialect.placeholder(1)}${live ? ` AND ${live}` : ''}`
      this.#byIdQueries.set(key, text)
    }
    return { text, params: [this.dialect.encode(meta.idColumn.type, id)] }
  }

  count(meta: EntityMetadata, whereInput: object | undefined, visibility: Visibility = 'live'): CompiledQuery {
    const params = new ParamList(this.dialect)
    const where = this.#and(this.#visibility(meta, visibility), this.#where(meta, whereInput, params))
    const text = `SELECT COUNT(*) FROM ${this.dialect.quote(meta.tableName)}${where ? ` WHERE ${where}` : ''}`
    return this.#complete(meta, text, params)
  }

  /** Only a query that is valid in every other way asks to be compiled again after a flush. */
  #complete(meta: EntityMetadata, text: string, params: ParamList): CompiledQuery {
    if (params.hasUnsavedInstance) {
      throw new UnsavedInstanceInWhere(`A where of ${meta.className} names an instance that is not saved yet; it has no id to match.`)
    }
    return { text, params: params.values }
  }

  /** Every column of the class, in slot order, optionally qualified by a table alias. */
  selectList(meta: EntityMetadata, alias?: string): string {
    const key = alias ? `${alias}.${meta.tableName}` : meta.tableName
    let list = this.#selectLists.get(key)
    if (!list) {
      const prefix = alias ? `${alias}.` : ''
      list = meta.columns.map((column) => prefix + this.dialect.quote(column.name)).join(', ')
      this.#selectLists.set(key, list)
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
      const relation = meta.relationsByProperty.get(key)
      if (relation) {
        if (value === undefined) throw ValidationError.undefinedInWhere(meta.className, key)
        conditions.push(this.#relationCondition(meta, relation, value, params))
        continue
      }
      const column = meta.byProperty.get(key)
      if (!column) throw ValidationError.unknownProperty(meta.className, key, meta.propertyNames)
      if (value === undefined) throw ValidationError.undefinedInWhere(meta.className, key)
      conditions.push(this.#condition(meta, column, value, params))
    }
    return conditions.join(' AND ')
  }

  /**
   * A condition on a relation: a nested where object matches the related rows ("any member matches"
   * for to-many relations and inverse views); an instance, an id or a list of them matches by id.
   * Every form is an uncorrelated `IN (SELECT ...)`, so nesting needs no table aliases.
   */
  #relationCondition(meta: EntityMetadata, relation: RelationMetadata, value: unknown, params: ParamList): string {
    const q = (name: string): string => this.dialect.quote(name)
    const target = relation.target
    this.#checkRelationValue(relation, value)
    const nested = this.#isNestedWhere(value)
    // Conditions on related rows see live rows only, unless the nested where says { withDeleted: true }.
    const related = (): string => {
      const { withDeleted, ...conditions } = value as { withDeleted?: unknown }
      if (withDeleted !== undefined && typeof withDeleted !== 'boolean') {
        throw ValidationError.badOption(`withDeleted in the where of ${relation.path} must be true or false.`)
      }
      const inner = this.#and(this.#visibility(target, withDeleted ? 'all' : 'live'), this.#where(target, conditions, params))
      return `SELECT "id" FROM ${q(target.tableName)}${inner ? ` WHERE ${inner}` : ''}`
    }
    if (relation.kind === 'toOne') {
      const column = relation.column as ColumnMetadata
      if (!nested) return this.#condition(meta, column, this.#idsOf(relation, value, params), params)
      return `${q(column.name)} IN (${related()})`
    }
    if (value === null) {
      throw ValidationError.badOption(
        `${relation.path} is a collection; match its members with a where object, an instance or an id, not null.`,
      )
    }
    // Ids of the target rows that match, as a subquery or a condition on the target's id.
    const targetMatch = (targetIdColumn: string): string => {
      if (nested) return `${q(targetIdColumn)} IN (${related()})`
      return this.#condition(target, { ...target.idColumn, name: targetIdColumn }, this.#idsOf(relation, value, params), params)
    }
    if (relation.kind === 'toMany') {
      const junction = relation.junction as JunctionMetadata
      return `"id" IN (SELECT ${q(junction.ownerColumn)} FROM ${q(junction.tableName)} WHERE ${targetMatch(junction.targetColumn)})`
    }
    const mirrored = relation.mirrored as RelationMetadata
    if (mirrored.kind === 'toOne') {
      return `"id" IN (SELECT ${q((mirrored.column as ColumnMetadata).name)} FROM ${q(target.tableName)} WHERE ${targetMatch('id')})`
    }
    const junction = mirrored.junction as JunctionMetadata
    return `"id" IN (SELECT ${q(junction.targetColumn)} FROM ${q(junction.tableName)} WHERE ${targetMatch(junction.ownerColumn)})`
  }

  /** A plain object of conditions, as opposed to an instance, an id, a list, null or a combinator. */
  #isNestedWhere(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false
    const prototype: unknown = Object.getPrototypeOf(value)
    return prototype === Object.prototype || prototype === null
  }

  /** Anything that is neither a plain where object nor a value a relation condition understands. */
  #checkRelationValue(relation: RelationMetadata, value: unknown): void {
    if (value instanceof Promise) {
      throw ValidationError.badOption(
        `The where of ${relation.path} got a promise: an unloaded relation read without await. Await it, or pass the id.`,
      )
    }
    const isValue =
      value === null ||
      typeof value !== 'object' ||
      Array.isArray(value) ||
      value instanceof SqlFragment ||
      value instanceof WhereCombinator ||
      this.instanceId(value) !== undefined
    if (!isValue && !this.#isNestedWhere(value)) {
      throw ValidationError.wrongType(`The where of ${relation.path}`, `a where object, a ${relation.target.className} instance or id, or a list of them`, value)
    }
  }

  /** Replaces instances (alone, in lists or in OR/AND) by their ids. */
  #idsOf(relation: RelationMetadata, value: unknown, params: ParamList): unknown {
    if (Array.isArray(value)) return value.map((item) => this.#idsOf(relation, item, params))
    if (value instanceof WhereCombinator) {
      return new WhereCombinator(value.operator, value.items.map((item) => this.#idsOf(relation, item, params)))
    }
    const instance = this.instanceId(value)
    if (!instance) return value
    if (instance.meta !== relation.target) {
      throw ValidationError.wrongType(`The where of ${relation.path}`, `a ${relation.target.className} instance or id`, value)
    }
    if (instance.id === undefined) {
      params.hasUnsavedInstance = true
      return STAND_IN_IDS[relation.target.idColumn.type]
    }
    return instance.id
  }

  #condition(meta: EntityMetadata, column: ColumnMetadata, value: unknown, params: ParamList): string {
    const name = this.dialect.quote(column.name)
    if (value === null) return `${name} IS NULL`
    if (value instanceof SqlFragment) return this.#fragment(meta, column, name, value, params)
    if (value instanceof WhereCombinator) return this.#combination(meta, column, value, params)
    if (column.type === 'json') {
      throw ValidationError.badOption(
        `${meta.className}.${column.property} is a json column${jsonReason(column)}; match it with null or a sql\`\` fragment.`,
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

  /**
   * `OR`/`AND` of conditions on one column. The plain values of an `OR` become one list condition, so that
   * `OR(...70_000 ids)` binds one list instead of 70,000 parameters (more than PostgreSQL binds) in a
   * 70,000-deep expression (deeper than SQLite parses).
   */
  #combination(meta: EntityMetadata, column: ColumnMetadata, value: WhereCombinator, params: ParamList): string {
    const isPlain = (item: unknown): boolean =>
      value.operator === 'OR' && item !== null && !(item instanceof SqlFragment) && !(item instanceof WhereCombinator) && !Array.isArray(item)
    const plain = value.items.filter(isPlain)
    // Compiled in text order: SQLite's `?` parameters are positional.
    const parts = plain.length > 0 ? [this.#condition(meta, column, plain.length === 1 ? plain[0] : plain, params)] : []
    for (const item of value.items) if (!isPlain(item)) parts.push(this.#condition(meta, column, item, params))
    return `(${parts.join(` ${value.operator} `)})`
  }

  #fragment(meta: EntityMetadata, column: ColumnMetadata, name: string, fragment: SqlFragment, params: ParamList): string {
    const { strings, values } = fragment
    let text = strings[0] as string
    for (let i = 0; i < values.length; i++) {
      const value = values[i]
      if (Array.isArray(value)) {
        // A list is one parameter, whatever its length: `IN ${ids}` becomes the dialect's list operator.
        const operator = LIST_OPERATOR.exec(text)
        if (!operator) {
          throw ValidationError.badOption(
            `A list inside sql\`\` for ${meta.className}.${column.property} must follow IN or NOT IN, as in sql\`NOT IN \${ids}\`.`,
          )
        }
        const items = this.#fragmentList(meta, column, value)
        const before = text.slice(0, operator.index).trimEnd()
        const list = this.dialect.fragmentInList(operator[1] !== undefined, items, params.bind)
        text = before ? `${before} ${list}` : list
      } else {
        text += this.#fragmentValue(meta, column, value, params)
      }
      text += strings[i + 1] as string
    }
    // split/join rather than replace: a column name may contain `$&`, which replace() would expand.
    return text.includes('#') ? `(${text.split('#').join(name)})` : `${name} ${text.trim()}`
  }

  #fragmentList(meta: EntityMetadata, column: ColumnMetadata, list: readonly unknown[]): unknown[] {
    if (list.length === 0) {
      throw ValidationError.badOption(`An empty list inside sql\`\` for ${meta.className}.${column.property} matches nothing; leave the condition out instead.`)
    }
    return list.map((item) => {
      this.#checkFragmentValue(meta, column, item)
      return this.dialect.encodeLoose(normalizeValue(column.type, item))
    })
  }

  #fragmentValue(meta: EntityMetadata, column: ColumnMetadata, value: unknown, params: ParamList): string {
    this.#checkFragmentValue(meta, column, value)
    return params.bind(this.dialect.encodeLoose(normalizeValue(column.type, value)))
  }

  #checkFragmentValue(meta: EntityMetadata, column: ColumnMetadata, value: unknown): void {
    if (!isBindableValue(value)) {
      throw ValidationError.wrongType(`A value inside sql\`\` for ${meta.className}.${column.property}`, BINDABLE_VALUE, value)
    }
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
      // NULL sorts after every value on both databases, as PostgreSQL does by default (SQLite would put
      // it first): the same query returns the same order everywhere.
      const nulls = column.nullable ? (normalized === 'ASC' ? ' NULLS LAST' : ' NULLS FIRST') : ''
      parts.push(`${this.dialect.quote(column.name)} ${normalized}${nulls}`)
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
