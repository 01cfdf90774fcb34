import type { Dialect } from '../dialect/dialect.js'
import { visibilitySql, type Quote } from '../dialect/soft-delete-sql.js'
import { ValidationError } from '../errors/validation-error.js'
import { BINDABLE_VALUE, EXPECTED_VALUE, isBindableValue, isComparableValue, normalizeValue } from '../metadata/column-values.js'
import type { ColumnType } from '../metadata/column-type.js'
import type { ColumnMetadata, EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { jsonReason } from '../metadata/object-trap.js'
import { relationVisibility } from '../soft-delete/visibility.js'
import type { ParamList } from './param-list.js'
import { SqlFragment, WhereCombinator } from './sql.js'

/**
 * @internal A where names an instance that has no id yet. The runtime compiles again after the flush
 * that inserts it; anything else wrong with a query is reported before that flush.
 */
export class UnsavedInstanceInWhere extends ValidationError {}

/**
 * @internal Tells entity instances (matched by id in a where) from nested where objects; the query
 * layer does not know how instances carry their state.
 */
export type InstanceId = (value: unknown) => { readonly id: unknown; readonly meta: EntityMetadata } | undefined

/** `IN` or `NOT IN` at the end of the fragment text before a list. */
const LIST_OPERATOR = /(?<![\w$])(NOT\s+)?IN\s*$/i

const STAND_IN_IDS: Partial<Record<string, unknown>> = { integer: 0, bigint: 0n, uuid: '00000000-0000-0000-0000-000000000000' }

/** @internal Joins the non-empty conditions with AND. */
export function andSql(...conditions: string[]): string {
  return conditions.filter((condition) => condition !== '').join(' AND ')
}

/** @internal Compiles `where` objects (values, lists, `sql` fragments, OR/AND, relation conditions) into conditions. */
export class WhereCompiler {
  readonly #quote: Quote

  constructor(
    readonly dialect: Dialect,
    readonly instanceId: InstanceId,
  ) {
    this.#quote = (name) => dialect.quote(name)
  }

  /** `sql IN (ids)` with the ids encoded as `type` and bound as one list parameter. */
  inIds(sql: string, type: ColumnType, ids: readonly unknown[], params: ParamList): string {
    return params.inList(sql, type, ids)
  }

  /** The condition of a `where` object ('' for none), its values bound into `params`; validates every key and value. */
  where(meta: EntityMetadata, where: object | undefined, params: ParamList): string {
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
    const q = this.#quote
    const target = relation.target
    const id = q(meta.idColumn.name)
    this.#checkRelationValue(relation, value)
    const nested = this.#isNestedWhere(value)
    // Conditions on related rows see live rows only, unless the nested where says { withDeleted: true }.
    const related = (): string => {
      const { withDeleted, ...conditions } = value as { withDeleted?: unknown }
      if (withDeleted !== undefined && typeof withDeleted !== 'boolean') {
        throw ValidationError.badOption(`withDeleted in the where of ${relation.path} must be true or false.`)
      }
      const inner = andSql(visibilitySql(target, relationVisibility(value), this.#quote), this.where(target, conditions, params))
      return `SELECT ${q(target.idColumn.name)} FROM ${q(target.tableName)}${inner ? ` WHERE ${inner}` : ''}`
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
      return `${id} IN (SELECT ${q(junction.ownerColumn)} FROM ${q(junction.tableName)} WHERE ${targetMatch(junction.targetColumn)})`
    }
    const mirrored = relation.mirrored as RelationMetadata
    if (mirrored.kind === 'toOne') {
      return `${id} IN (SELECT ${q((mirrored.column as ColumnMetadata).name)} FROM ${q(target.tableName)} WHERE ${targetMatch(target.idColumn.name)})`
    }
    const junction = mirrored.junction as JunctionMetadata
    return `${id} IN (SELECT ${q(junction.targetColumn)} FROM ${q(junction.tableName)} WHERE ${targetMatch(junction.ownerColumn)})`
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
      for (const item of value) this.checkValue(meta, column, item)
      const encoded = value.map((item) => this.dialect.encode(column.type, item))
      return this.dialect.inList(name, column.type, encoded, params.bind)
    }
    this.checkValue(meta, column, value)
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

  /** Refuses a value that column cannot be compared with. */
  checkValue(meta: EntityMetadata, column: ColumnMetadata, value: unknown): void {
    if (!isComparableValue(column.type, value)) {
      throw ValidationError.wrongType(`${meta.className}.${column.property}`, EXPECTED_VALUE[column.type], value)
    }
  }
}
