import type { SqlFragment, WhereCombinator } from '../query/sql.js'

/** The keys of T that hold data rather than methods. */
export type DataKeys<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? never : K
}[keyof T] &
  string

/** What a where key accepts: a value, a list (IN), null (IS NULL), a `sql` fragment, or `OR`/`AND`. */
export type WhereValue<V> = V | readonly V[] | null | SqlFragment | WhereCombinator

/** Conditions on an entity's properties, combined with AND. */
export type Where<T> = { [K in DataKeys<T>]?: WhereValue<NonNullable<T[K]>> }

/** Sort directions per property, applied in key order. */
export type OrderBy<T> = { [K in DataKeys<T>]?: 'asc' | 'desc' | 'ASC' | 'DESC' }

/** Options of `find()` and `findOne()`. */
export interface FindOptions<T> {
  readonly where?: Where<T>
  readonly orderBy?: OrderBy<T>
  readonly limit?: number
  readonly offset?: number
}

/** Options of `count()`. */
export interface CountOptions<T> {
  readonly where?: Where<T>
}
