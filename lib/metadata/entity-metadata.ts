import type { ColumnType, IdType } from './column-type.js'
import type { ObjectTrap } from './object-trap.js'
import type { RelationMetadata } from './relation-metadata.js'

/** @internal Which built-in role a column plays; user columns are 'user'. */
export type ColumnRole = 'id' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'version' | 'user' | 'relation'

/** @internal One mapped column of a registered class. */
export interface ColumnMetadata {
  readonly property: string
  /** The database column name. */
  readonly name: string
  readonly type: ColumnType
  readonly nullable: boolean
  readonly unique: boolean
  /** Position of the value in the instance's value array and in every SELECT list. */
  readonly index: number
  readonly role: ColumnRole
  /** Name of the unique index backing `unique`, if any. */
  readonly uniqueIndexName: string | undefined
  /**
   * A plain index on the column: on a to-one relation's foreign key (dependents are cheap to find)
   * and on `deleted_at` (soft-deleted rows are cheap to find and purge).
   */
  readonly lookupIndexName?: string
  /**
   * The `design:type` constructor's name ('Object', 'Array', 'Number', ...) when `type` came from it;
   * undefined when the `type` option gave it (or for built-in columns).
   */
  readonly designType?: string
  /** A json column typed by the design type Object: warns once when its first value is a number, string or boolean. */
  readonly objectTrap?: ObjectTrap
}

/** @internal Everything the ORM knows about one registered class, resolved and validated at boot. */
export class EntityMetadata {
  readonly byProperty: ReadonlyMap<string, ColumnMetadata>
  readonly propertyNames: readonly string[]
  /** Columns written by INSERT: all but a database-generated id. */
  readonly insertColumns: readonly ColumnMetadata[]
  /** Columns that hold objects (json, date) and can therefore change without an assignment. */
  readonly mutableColumns: readonly ColumnMetadata[]
  readonly idColumn: ColumnMetadata
  readonly createdAtColumn: ColumnMetadata
  readonly updatedAtColumn: ColumnMetadata
  /** Soft-deletable classes (descendants of SoftDel): the `deleted_at` column, always at slot 3. */
  readonly deletedAtColumn: ColumnMetadata | undefined
  /** The `@Column({ version: true })` column, when the class has one. */
  readonly versionColumn: ColumnMetadata | undefined
  /** True when SQLite must read this table with 64-bit safe integers. */
  readonly needsSafeIntegers: boolean
  readonly isIdGenerated: boolean
  readonly relationsByProperty: ReadonlyMap<string, RelationMetadata>
  /** The relation stored at each value slot (to-one relations share their column's slot). */
  readonly relationAtSlot: readonly (RelationMetadata | undefined)[]
  /** Length of an instance's value array: the columns, then one slot per to-many or inverse relation. */
  readonly slotCount: number
  /** Relations whose values live outside the row: to-many and inverse views. */
  readonly collectionRelations: readonly RelationMetadata[]
  /** Position in the order a flush inserts classes: referenced classes first. Set by the relation analyzer. */
  insertRank = 0

  constructor(
    readonly ctor: abstract new (...args: never[]) => object,
    readonly className: string,
    readonly tableName: string,
    readonly idType: IdType,
    readonly columns: readonly ColumnMetadata[],
    readonly relations: readonly RelationMetadata[],
  ) {
    this.byProperty = new Map(columns.map((column) => [column.property, column]))
    this.relationsByProperty = new Map(relations.map((relation) => [relation.property, relation]))
    this.collectionRelations = relations.filter((relation) => relation.kind !== 'toOne')
    this.slotCount = columns.length + this.collectionRelations.length
    const relationAtSlot = new Array<RelationMetadata | undefined>(this.slotCount).fill(undefined)
    for (const relation of relations) relationAtSlot[relation.slot] = relation
    this.relationAtSlot = relationAtSlot
    this.propertyNames = [...columns.map((column) => column.property), ...this.collectionRelations.map((relation) => relation.property)]
    this.isIdGenerated = idType !== 'UUID'
    this.insertColumns = columns.filter((column) => !(column.role === 'id' && this.isIdGenerated))
    this.mutableColumns = columns.filter((column) => column.type === 'json' || column.type === 'date')
    this.idColumn = this.requireRole('id')
    this.createdAtColumn = this.requireRole('createdAt')
    this.updatedAtColumn = this.requireRole('updatedAt')
    this.deletedAtColumn = columns.find((column) => column.role === 'deletedAt')
    this.versionColumn = columns.find((column) => column.role === 'version')
    this.needsSafeIntegers = columns.some((column) => column.type === 'bigint')
  }

  /** How messages name a row: `Story #4`, or `a new Story` before it has an id. */
  describeRow(id: unknown): string {
    return id === undefined ? `a new ${this.className}` : `${this.className} #${String(id)}`
  }

  private requireRole(role: ColumnRole): ColumnMetadata {
    const column = this.columns.find((candidate) => candidate.role === role)
    if (!column) throw new Error(`internal: ${this.className} has no ${role} column`)
    return column
  }
}
