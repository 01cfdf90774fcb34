import type { SqlFragment, WhereCombinator } from '../query/sql.js'
import type { Stateful } from '../state/entity-state.js'
import { defineOptions, type OptionKind, type OptionsSpec } from '../util/check-options.js'
import { ValidationError, describeValue } from '../errors/validation-error.js'
import type { EntityId } from './entity-id.js'

/** The keys of T that hold data rather than methods. */
export type DataKeys<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? never : K
}[keyof T] &
  string

/** What a where key accepts: a value, a list (IN), null (IS NULL), a `sql` fragment, or `OR`/`AND`. */
export type WhereValue<V> = V | readonly V[] | null | SqlFragment | WhereCombinator

/**
 * What a relation key accepts: conditions on the related rows (for a to-many relation: any member
 * matches), an instance or an id, a list of them, or null (an optional to-one relation is empty).
 */
export type RelationWhere<E> =
  | (Where<E> & { readonly withDeleted?: boolean })
  | E
  | EntityId
  | readonly (E | EntityId)[]
  | null
  | WhereCombinator

/**
 * An entity instance, told apart by the ORM state every Entity carries (typed structurally so that
 * this module need not import entity.ts, which imports it).
 */
type AnyEntity = Stateful

/** The entity class a property relates to, or never for a plain column. */
type RelatedEntity<V> = V extends readonly (infer E)[] ? (E extends AnyEntity ? E : never) : V extends AnyEntity ? V : never

/** Conditions on an entity's properties, combined with AND; relations take nested conditions. */
export type Where<T> = {
  [K in DataKeys<T>]?: [RelatedEntity<NonNullable<T[K]>>] extends [never]
    ? WhereValue<NonNullable<T[K]>>
    : RelationWhere<RelatedEntity<NonNullable<T[K]>>>
}

/**
 * Relations to load with the rows: `true` (`false` skips it), or the relations to load on the related
 * rows in turn, with `withDeleted: true` to include soft-deleted members of a collection.
 */
export type Relations<T> = {
  [K in DataKeys<T>]?: [RelatedEntity<NonNullable<T[K]>>] extends [never]
    ? never
    : boolean | (Relations<RelatedEntity<NonNullable<T[K]>>> & { readonly withDeleted?: boolean })
}

/** Sort directions per property, applied in key order. */
export type OrderBy<T> = { [K in DataKeys<T>]?: 'asc' | 'desc' | 'ASC' | 'DESC' }

/** Which rows of a soft-deletable class a query sees; other classes have no soft-deleted rows. */
export interface VisibilityOptions {
  /** Include soft-deleted rows (Sequelize's `paranoid: false`). */
  readonly withDeleted?: boolean
  /** Only soft-deleted rows. */
  readonly onlyDeleted?: boolean
}

/** Which server a read outside a transaction uses when `ORM.boot()` was given `replicas`. */
export interface ReadOptions {
  /**
   * `'primary'`: read from the primary server, not a replica. Without it a replica serves the read
   * once it has replayed this process's writes to the class (read-your-writes). No effect on SQLite,
   * without replicas, or inside `ORM.transaction()` (which always reads the primary).
   */
  readonly consistency?: 'primary'
}

/** Options of `find()` and `findOne()`; `R` is the `relations` object, which types what is loaded. */
export interface FindOptions<T, R extends Relations<T> = Relations<T>> extends VisibilityOptions, ReadOptions {
  readonly where?: Where<T>
  readonly orderBy?: OrderBy<T>
  readonly limit?: number
  readonly offset?: number
  /** Relations to load in the same call, a bounded number of queries whatever the number of rows. */
  readonly relations?: R
}

/** The relation properties of T: those typed as an entity, or an array of entities. */
export type RelationKeys<T> = {
  [K in DataKeys<T>]-?: [RelatedEntity<NonNullable<T[K]>>] extends [never] ? never : K
}[DataKeys<T>]

/**
 * A relation that may not be loaded: the value when it is in memory, otherwise a promise that loads
 * it. `await` it: `const author = await story.createdBy` is right in both states.
 */
export type Lazy<V> = V | Promise<V>

/** The nested relations a `relations` entry asks for (none for `true`). */
type NestedRelations<E> = E extends object ? E : {}

/** A relation's value with its target instances typed by what `R` loads on them. */
type LoadedValue<V, R> = V extends readonly (infer E)[] ? Loaded<E, R>[] : V extends AnyEntity ? Loaded<V, R> : V

/**
 * An instance as `find()` returns it: the relations named in `R` (the `relations` option) are loaded
 * and typed plainly, nested ones included; every other relation is `Lazy` and must be awaited.
 *
 * ```ts
 * const [story] = await Story.find({ relations: { createdBy: true } }) // Loaded<Story, { createdBy: true }>
 * story.createdBy.username          // User: loaded
 * const tags = await story.tags     // Lazy<Tag[]>: await it
 * ```
 */
export type Loaded<T, R = {}> = {
  [K in keyof T]: K extends RelationKeys<T>
    ? K extends keyof R
      ? R[K] extends true | object
        ? LoadedValue<T[K], NestedRelations<R[K]>>
        : Lazy<LoadedValue<T[K], {}>>
      : Lazy<LoadedValue<T[K], {}>>
    : T[K]
}

/** Options of `findById()`; `R` is the `relations` object, which types what is loaded (as for `find()`). */
export interface FindByIdOptions<T, R extends Relations<T> = Relations<T>> extends VisibilityOptions, ReadOptions {
  /** Relations to load with the row, as `find()` loads them. */
  readonly relations?: R
}

/**
 * Options of `stream()`: the rows of `find()` without `limit`/`offset`, read `batchSize` rows at a time
 * (1000 by default); `relations` are loaded per batch.
 */
export interface StreamOptions<T, R extends Relations<T> = Relations<T>> extends VisibilityOptions {
  readonly where?: Where<T>
  readonly orderBy?: OrderBy<T>
  /** Rows read and hydrated per round trip: the bound on what the stream holds in memory. A positive integer. */
  readonly batchSize?: number
  readonly relations?: R
}

/** Options of `count()`. */
export interface CountOptions<T> extends VisibilityOptions, ReadOptions {
  readonly where?: Where<T>
}

/** Options of the static `delete()`: `where` is required; `{}` deletes every row. */
export interface DeleteOptions<T> {
  readonly where: Where<T>
}

/** Options of the static `update()`: `where` is required (`{}` updates every row the visibility options see). */
export interface UpdateOptions<T> extends VisibilityOptions {
  readonly where: Where<T>
}

/** Properties veil-orm sets itself, which `update()` refuses. */
type SetByVeil = 'id' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'isDeleted' | 'deletedBy' | 'deletionReason'

/** The to-one relation properties of T (not the to-many ones, typed as arrays). */
type ToOneKeys<T> = {
  [K in RelationKeys<T>]-?: NonNullable<T[K]> extends readonly unknown[] ? never : K
}[RelationKeys<T>]

/**
 * The values of the static `update()`: writable column properties, and to-one relations (an instance or
 * its id; null clears an optional one). To-many relations are set on the instances.
 */
export type UpdateValues<T> = {
  readonly [K in Exclude<DataKeys<T>, RelationKeys<T> | SetByVeil>]?: T[K] | (undefined extends T[K] ? null : never)
} & {
  readonly [K in ToOneKeys<T>]?: NonNullable<T[K]> | EntityId | (undefined extends T[K] ? null : never)
}

/** Options a user of Sequelize, TypeORM or Prisma might write, and what veil-orm calls them. */
const HINTS: Readonly<Record<string, string>> = {
  paranoid: "use withDeleted: true to include soft-deleted rows, Sequelize's paranoid: false",
  include: 'use relations: { prop: true } to load relations',
  order: "use orderBy: { prop: 'asc' }",
  take: 'use limit',
  skip: 'use offset',
}

const VISIBILITY_KINDS = { withDeleted: 'boolean', onlyDeleted: 'boolean' } as const satisfies Record<keyof VisibilityOptions, OptionKind>
const READ_KINDS = { ...VISIBILITY_KINDS, consistency: 'value' } as const satisfies Record<keyof VisibilityOptions | keyof ReadOptions, OptionKind>
const FIND_KINDS = {
  where: 'value',
  orderBy: 'value',
  limit: 'value',
  offset: 'value',
  relations: 'value',
  ...READ_KINDS,
} as const satisfies Record<keyof FindOptions<unknown>, OptionKind>

/** @internal The options of the static entity calls, checked before they run. */
export const OPTIONS = {
  find: defineOptions('find', FIND_KINDS, HINTS),
  findOne: defineOptions('findOne', FIND_KINDS, HINTS),
  findById: defineOptions('findById', { relations: 'value', ...READ_KINDS } satisfies Record<keyof FindByIdOptions<unknown>, OptionKind>, HINTS),
  count: defineOptions('count', { where: 'value', ...READ_KINDS } satisfies Record<keyof CountOptions<unknown>, OptionKind>, HINTS),
  delete: defineOptions('delete', { where: 'value' } satisfies Record<keyof DeleteOptions<unknown>, OptionKind>, HINTS),
  update: defineOptions('update', { where: 'value', ...VISIBILITY_KINDS } satisfies Record<keyof UpdateOptions<unknown>, OptionKind>, HINTS),
  getDependents: defineOptions('getDependents', { withDeleted: 'boolean' }, HINTS),
  stream: defineOptions(
    'stream',
    { where: 'value', orderBy: 'value', batchSize: 'value', relations: 'value', ...VISIBILITY_KINDS } satisfies Record<keyof StreamOptions<unknown>, OptionKind>,
    { ...HINTS, limit: 'stream() reads every matching row; use find({ limit, offset }) for one page', offset: 'stream() reads every matching row; use find({ limit, offset }) for one page' },
  ),
}

/** @internal Refuses a `consistency` option other than `'primary'`, naming the call (options already checked by `checkOptions`). */
export function checkConsistency(options: unknown, spec: OptionsSpec, className: string): void {
  const consistency = (options as ReadOptions | undefined)?.consistency
  if (consistency === undefined || consistency === 'primary' || !spec.kinds.has('consistency')) return
  throw ValidationError.badOption(
    `${className}.${spec.method}(): 'consistency' must be 'primary' (read from the primary server) or left out (a replica may serve the read), not ${describeValue(consistency)}.`,
  )
}
