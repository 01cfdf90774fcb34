import { ValidationError } from '../errors/validation-error.js'

/**
 * A piece of SQL written by the developer with every `${}` bound as a parameter. `#` stands for the
 * column; without `#` the column is put on the left.
 *
 * ```ts
 * await Account.find({ where: { age: sql`>= ${18}`, email: sql`LIKE ${'%@gmail.com'}` } })
 * ```
 */
export class SqlFragment {
  /** @internal */
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {
    Object.freeze(this)
  }
}

// Statement separators and comments could turn a condition into something else; placeholders
// would bypass the binding of `${}` values. None of them belongs in a where condition.
const FORBIDDEN = [
  { token: ';', why: 'a statement separator' },
  { token: '--', why: 'a comment' },
  { token: '/*', why: 'a comment' },
  { token: '?', why: 'a placeholder; use ${} for values' },
]

/** Tags a template literal as a SQL condition; see {@link SqlFragment}. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  // A real template literal has a frozen strings array with `raw`; anything else could carry
  // user input as SQL text, which is exactly what this API must never accept.
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw) || !Object.isFrozen(strings)) {
    throw ValidationError.badOption('sql must be used as a tagged template: sql`>= ${value}`, not called as a function.')
  }
  for (const text of strings) {
    for (const { token, why } of FORBIDDEN) {
      if (text.includes(token)) {
        throw ValidationError.badOption(`sql\`${strings.join('${…}')}\` contains '${token}', ${why}. Bind values with \${}.`)
      }
    }
    if (/\$\d/.test(text)) {
      throw ValidationError.badOption(`sql\`${strings.join('${…}')}\` contains a $n placeholder. Bind values with \${}.`)
    }
  }
  return new SqlFragment([...strings], values)
}

/** @internal A list of alternatives (`OR`) or of conditions that must all hold (`AND`) on one column. */
export class WhereCombinator {
  /** @internal */
  constructor(
    readonly operator: 'OR' | 'AND',
    readonly items: readonly unknown[],
  ) {
    if (items.length === 0) throw ValidationError.badOption(`${operator}() needs at least one value.`)
    Object.freeze(this)
  }
}

/**
 * Matches when the column matches any of the values or fragments.
 *
 * ```ts
 * await Account.find({ where: { name: OR('Ann', 'Bob') } })
 * ```
 */
export function OR<V>(...items: (V | SqlFragment | null)[]): WhereCombinator {
  return new WhereCombinator('OR', items)
}

/**
 * Matches when the column matches every fragment.
 *
 * ```ts
 * await Account.find({ where: { balance: AND(sql`> 1`, sql`< ${5}`) } })
 * ```
 */
export function AND<V>(...items: (V | SqlFragment | null)[]): WhereCombinator {
  return new WhereCombinator('AND', items)
}
