import type { ColumnType } from './column-type.js'
import type { ColumnMetadata, EntityMetadata } from './entity-metadata.js'

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

/** @internal One `@Relation()` property of a registered class, resolved at boot. */
export class RelationMetadata {
  /** The class that declares the property. Set when every class's metadata exists. */
  owner!: EntityMetadata
  /** The class the property points at. */
  target!: EntityMetadata
  /** to-many: the junction table. */
  junction: JunctionMetadata | undefined = undefined
  /** inverse: the relation on the target class this view reads. */
  mirrored: RelationMetadata | undefined = undefined

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

/**
 * @internal The required relations of `meta` whose targets can be soft-deleted: a row of `meta` must not
 * come back (be restored) while one of them points at a soft-deleted row.
 */
export function requiredSoftDeletableParents(meta: EntityMetadata): RelationMetadata[] {
  return meta.relations.filter((relation) => relation.isDependency && relation.target.deletedAtColumn !== undefined)
}
