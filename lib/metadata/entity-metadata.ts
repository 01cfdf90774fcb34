import type { ColumnType, IdType } from './column-type.js'
import { NO_HOOKS, type HookLists } from './hook-lists.js'

/** @internal Which built-in role a column plays; user columns are 'user'. */
export type ColumnRole = 'id' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'deletedBy' | 'deletionReason' | 'version' | 'user' | 'relation' | 'discriminator'

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
  /**
   * A json column typed by the design type Object: warns once when its first value is a number, string
   * or boolean (an `ObjectTrap`, typed by what the write path calls so that this module imports none).
   */
  readonly objectTrap?: { check(value: unknown): void }
}

/**
 * @internal Everything the ORM knows about one registered class, resolved and validated at boot, and
 * frozen with its columns and relations once boot has linked them. It lives in one module with
 * {@link RelationMetadata} because each refers to the other.
 */
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
  /** Audited soft-deletable classes (`@Table({ audit: true })`): who soft-deleted the row, and why (slots 4 and 5). */
  readonly deletedByColumn: ColumnMetadata | undefined
  readonly deletionReasonColumn: ColumnMetadata | undefined
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
  /**
   * Concrete inheritance (lib/metadata/link-hierarchy.ts sets these before the metadata is frozen): the
   * class's place among the booted classes that share its table. A class outside any hierarchy is its own
   * root, with no parent and no descendants.
   */
  readonly hierarchy: Hierarchy = { root: this, parent: undefined, descendants: [], readColumns: [] }
  /** The column that names each row's class in a table shared by a hierarchy (`entity_type`). */
  readonly discriminatorColumn: ColumnMetadata | undefined

  constructor(
    readonly ctor: abstract new (...args: never[]) => object,
    readonly className: string,
    readonly tableName: string,
    readonly idType: IdType,
    readonly columns: readonly ColumnMetadata[],
    readonly relations: readonly RelationMetadata[],
    /** The lifecycle hook methods of the class, per event (see `@BeforeInsert()` and the others). */
    readonly hooks: HookLists = NO_HOOKS,
  ) {
    this.discriminatorColumn = columns.find((column) => column.role === 'discriminator')
    // The discriminator is written by veil-orm alone: no property of the class names it.
    const properties = columns.filter((column) => column !== this.discriminatorColumn)
    this.byProperty = new Map(properties.map((column) => [column.property, column]))
    this.relationsByProperty = new Map(relations.map((relation) => [relation.property, relation]))
    this.collectionRelations = relations.filter((relation) => relation.kind !== 'toOne')
    // Past the columns: in a hierarchy, collections start after the widest class's columns (see build-metadata).
    this.slotCount = Math.max(columns.length, ...this.collectionRelations.map((relation) => relation.slot + 1))
    const relationAtSlot = new Array<RelationMetadata | undefined>(this.slotCount).fill(undefined)
    for (const relation of relations) relationAtSlot[relation.slot] = relation
    this.relationAtSlot = relationAtSlot
    this.propertyNames = [...properties.map((column) => column.property), ...this.collectionRelations.map((relation) => relation.property)]
    this.isIdGenerated = idType !== 'UUID'
    this.insertColumns = columns.filter((column) => !(column.role === 'id' && this.isIdGenerated))
    this.mutableColumns = columns.filter((column) => column.type === 'json' || column.type === 'date')
    this.idColumn = this.requireRole('id')
    this.createdAtColumn = this.requireRole('createdAt')
    this.updatedAtColumn = this.requireRole('updatedAt')
    this.deletedAtColumn = columns.find((column) => column.role === 'deletedAt')
    this.deletedByColumn = columns.find((column) => column.role === 'deletedBy')
    this.deletionReasonColumn = columns.find((column) => column.role === 'deletionReason')
    this.versionColumn = columns.find((column) => column.role === 'version')
    this.needsSafeIntegers = columns.some((column) => column.type === 'bigint')
  }

  /** Whether an instance of this class is an instance of `other`: the same class or a booted descendant of it. */
  isA(other: EntityMetadata): boolean {
    for (let meta: EntityMetadata | undefined = this; meta; meta = meta.hierarchy.parent) if (meta === other) return true
    return false
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

/** @internal Where a booted class sits among the booted classes that share its table (concrete inheritance). */
export interface Hierarchy {
  /** The top-most booted class of the hierarchy: its table holds every class's rows. */
  readonly root: EntityMetadata
  /** The nearest booted ancestor. */
  readonly parent: EntityMetadata | undefined
  /** Every booted descendant, at any depth. */
  readonly descendants: readonly EntityMetadata[]
  /**
   * What a read of this class selects when it has descendants: its own columns (slot order), then the
   * columns only descendants map; a row of a descendant is hydrated from them. Empty without descendants.
   */
  readonly readColumns: readonly ColumnMetadata[]
}

/**
 * @internal How a relation is stored: `toOne` is a foreign-key column on the owner's table, `toMany` a
 * junction table, `inverse` a read-only view of another class's relation that points back here.
 */
export type RelationKind = 'toOne' | 'toMany' | 'inverse'

/** @internal A junction table: one row per (owner, target) pair, both sides ON DELETE CASCADE. */
export interface JunctionMetadata {
  readonly tableName: string
  readonly ownerColumn: string
  readonly targetColumn: string
  readonly ownerType: ColumnType
  readonly targetType: ColumnType
  /** The index on the target column; the primary key (owner, target) covers lookups by owner. */
  readonly targetIndexName: string
  readonly owner: EntityMetadata
  readonly target: EntityMetadata
}

/**
 * @internal One `@Relation()` property of a registered class, resolved at boot. The builder links
 * `owner`, `target`, `junction` and `mirrored` once every class's metadata exists, then freezes it.
 */
export class RelationMetadata {
  /** The class that declares the property. */
  readonly owner!: EntityMetadata
  /** The class the property points at. */
  readonly target!: EntityMetadata
  /** to-many: the junction table. */
  readonly junction: JunctionMetadata | undefined = undefined
  /** inverse: the relation on the target class this view reads. */
  readonly mirrored: RelationMetadata | undefined = undefined
  /**
   * The same relation on the nearest booted ancestor, when the class inherits it (concrete inheritance):
   * the ancestor's relation already covers this class's rows, in the dependents graph and in cascades.
   */
  readonly inheritedFrom: RelationMetadata | undefined = undefined

  constructor(
    readonly property: string,
    readonly kind: RelationKind,
    /** to-one: may be empty. Always false for to-many and inverse relations. */
    readonly nullable: boolean,
    /** Position of the value in the instance's value array (the column's index for to-one). */
    readonly slot: number,
    /** to-one: the foreign-key column. */
    readonly column: ColumnMetadata | undefined,
    readonly targetClass: abstract new (...args: never[]) => object,
    readonly options: { readonly through?: string; readonly inverse?: string },
  ) {}

  /** A required to-one relation: its owner class is a dependent of its target class. */
  get isDependency(): boolean {
    return this.kind === 'toOne' && !this.nullable
  }

  /** How error messages and the graph name it: `Story.createdBy`. */
  get path(): string {
    return `${this.owner.className}.${this.property}`
  }
}
