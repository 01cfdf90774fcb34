import type { ColumnType } from './column-type.js'

/** Options of the `@Column()` decorator. */
export interface ColumnOptions {
  /** The column type; inferred from the TypeScript type when omitted. */
  readonly type?: ColumnType
  /** Allows NULL (`undefined` on the instance). Defaults to false: the column is NOT NULL. */
  readonly nullable?: boolean
  /** Adds a UNIQUE index on the column. */
  readonly unique?: boolean
  /** The database column name; defaults to the snake_case property name. */
  readonly name?: string
  /**
   * Makes this integer column the row's version, for optimistic concurrency: 1 on insert, read-only,
   * incremented by every update, which requires the loaded value. One per class.
   */
  readonly version?: boolean
}

/** Options of the `@Table()` class decorator. */
export interface TableOptions {
  /** The table name; defaults to the snake_case class name. */
  readonly name?: string
  /** Renames the built-in timestamp columns, e.g. `{ createdAt: 'created_on' }`. */
  readonly columns?: { readonly createdAt?: string; readonly updatedAt?: string; readonly deletedAt?: string }
  /**
   * A soft-deletable class only: records who soft-deleted a row, and why, in two nullable text columns,
   * `deleted_by` (the actor of `ORM.actingAs()`) and `deletion_reason` (`softDelete({ reason })`).
   * Inherited by subclasses.
   */
  readonly audit?: boolean
}

/** Options of the `@Relation()` decorator. */
export interface RelationOptions {
  /**
   * The relation's kind: `true` for a to-many (a junction table), `false` for a to-one (a foreign-key
   * column). Inferred from the property's type (an array or not) when omitted; required when the
   * compiler emits no decorator metadata (esbuild, tsx, Vite, Bun):
   * `@Relation(() => Tag, { many: true }) tags: Tag[] = []`.
   */
  readonly many?: boolean
  /**
   * A to-one relation that may be empty (`ON DELETE SET NULL`); by default a to-one relation is
   * required (NOT NULL, `ON DELETE RESTRICT`) and makes its class a dependent of the target.
   */
  readonly nullable?: boolean
  /** The foreign-key column of a to-one relation; defaults to the snake_case property name plus `_id`. */
  readonly name?: string
  /** The junction table of a to-many relation; defaults to `<table>_<snake_case property>`. */
  readonly through?: string
  /**
   * Makes this property a read-only view of the target's relation of that name pointing back here:
   * `@Relation(() => Story, { inverse: 'createdBy' }) stories: Story[]`.
   */
  readonly inverse?: string
}

/** @internal What a `@Relation()` decorator recorded on a prototype, resolved at boot. */
export interface RelationDeclaration {
  readonly property: string
  readonly target: () => unknown
  readonly options: RelationOptions
  readonly prototype: object
}

/** @internal What a `@Column()` decorator recorded on a prototype, resolved at boot. */
export interface ColumnDeclaration {
  readonly property: string
  readonly options: ColumnOptions
  readonly prototype: object
}

const columnDeclarations = new WeakMap<object, ColumnDeclaration[]>()
const tableDeclarations = new WeakMap<object, TableOptions>()
const relationDeclarations = new WeakMap<object, RelationDeclaration[]>()

/** @internal Records a decorated property on the prototype that declares it. */
export function declareColumn(declaration: ColumnDeclaration): void {
  const list = columnDeclarations.get(declaration.prototype)
  if (list) list.push(declaration)
  else columnDeclarations.set(declaration.prototype, [declaration])
}

/** @internal The properties decorated directly on this prototype (not its ancestors). */
export function ownColumnDeclarations(prototype: object): readonly ColumnDeclaration[] {
  return columnDeclarations.get(prototype) ?? []
}

/** @internal Records `@Table()` options for a class. */
export function declareTable(ctor: object, options: TableOptions): void {
  tableDeclarations.set(ctor, options)
}

/** @internal The `@Table()` options declared on exactly this class. */
export function ownTableDeclaration(ctor: object): TableOptions | undefined {
  return tableDeclarations.get(ctor)
}

/** @internal Records a `@Relation()` property on the prototype that declares it. */
export function declareRelation(declaration: RelationDeclaration): void {
  const list = relationDeclarations.get(declaration.prototype)
  if (list) list.push(declaration)
  else relationDeclarations.set(declaration.prototype, [declaration])
}

/** @internal The relations decorated directly on this prototype (not its ancestors). */
export function ownRelationDeclarations(prototype: object): readonly RelationDeclaration[] {
  return relationDeclarations.get(prototype) ?? []
}
