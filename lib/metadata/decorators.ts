import { BootError } from '../errors/boot-error.js'
import { declareColumn, declareRelation, declareTable, type ColumnOptions, type RelationOptions, type TableOptions } from './declarations.js'

function refuseStandardDecorators(name: string, key: unknown): void {
  if (typeof key === 'object' && key !== null && 'kind' in key) {
    throw new BootError(
      `@${name}() was applied as a TC39 standard decorator. veil-orm needs TypeScript's ` +
        `"experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json.`,
    )
  }
}

/**
 * Marks a property as a persisted column.
 *
 * ```ts
 * class Account extends Entity {
 *   @Column({ unique: true }) email: string
 * }
 * ```
 */
export function Column(options: ColumnOptions = {}): PropertyDecorator {
  return (prototype: object, key: string | symbol) => {
    refuseStandardDecorators('Column', key)
    if (typeof key === 'symbol') {
      throw new BootError(`@Column() cannot decorate the symbol property ${String(key)}; use a string name.`)
    }
    declareColumn({ prototype, property: key, options })
  }
}

/**
 * Types a to-one relation to a class declared further down (or in a module that imports this one):
 * `Ref<User>` is `User`, but the decorator metadata TypeScript emits for it does not touch the `User`
 * binding before that class exists.
 *
 * ```ts
 * @Relation(() => User) createdBy: Ref<User>
 * ```
 */
export type Ref<T> = T

/**
 * Marks a property as a reference to another entity class: to-one (a foreign-key column) when the
 * property holds one instance, to-many (a junction table) when it holds an array. The target is a
 * function so that classes may reference each other in any declaration order. Without decorator
 * metadata (esbuild, tsx, Vite, Bun), say which with `{ many: true }` or `{ many: false }`.
 *
 * ```ts
 * class Story extends Entity {
 *   @Relation(() => User) createdBy: User                       // required: User cannot be deleted under it
 *   @Relation(() => User, { nullable: true }) editor?: User     // optional: cleared when the user is deleted
 *   @Relation(() => Tag) tags: Tag[] = []                       // to-many
 *   @Relation(() => Tag, { many: true }) labels: Tag[] = []     // to-many, stated for esbuild
 * }
 * ```
 */
export function Relation(target: () => abstract new (...args: never[]) => object, options: RelationOptions = {}): PropertyDecorator {
  return (prototype: object, key: string | symbol) => {
    refuseStandardDecorators('Relation', key)
    if (typeof key === 'symbol') {
      throw new BootError(`@Relation() cannot decorate the symbol property ${String(key)}; use a string name.`)
    }
    if (typeof target !== 'function') {
      throw new BootError(`@Relation() on ${prototype.constructor.name}.${key} needs a function returning the class: @Relation(() => User).`)
    }
    declareRelation({ prototype, property: key, target, options })
  }
}

/**
 * Sets the table name of a class, or the names of its built-in timestamp columns; on a soft-deletable
 * class, `audit: true` records who soft-deleted each row and why (`deletedBy`, `deletionReason`).
 *
 * ```ts
 * @Table({ name: 'users', columns: { createdAt: 'created_on' } })
 * class User extends Entity {}
 * @Table({ audit: true })
 * class Invoice extends SoftDel {}
 * ```
 */
export function Table(options: TableOptions): ClassDecorator {
  const decorate = (ctor: object, context?: unknown): void => {
    refuseStandardDecorators('Table', context)
    declareTable(ctor, options)
  }
  return decorate as ClassDecorator
}
