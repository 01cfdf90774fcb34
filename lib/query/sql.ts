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
  /** @internal Checks the template here, so that `new SqlFragment(...)` is held to the rules of `sql` too. */
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {
    checkTemplate(strings, values.length)
    Object.freeze(this)
  }
}

// Statement separators and comments could turn a condition into something else; parameter markers
// of either database (and PostgreSQL's dollar quoting) would bypass the binding of `${}` values.
// None of them belongs in a where condition. Values are checked as if bound: `$${x}` would become `$$1`.
// `::` (a PostgreSQL cast, `#::text`) is not a marker and stays allowed.
const FORBIDDEN: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /;/, why: 'a statement separator' },
  { pattern: /--|\/\*/, why: 'a comment' },
  { pattern: /\?/, why: 'a placeholder' },
  { pattern: /\$[\w$\u0080-\u{10FFFF}]/u, why: 'a $n placeholder, a $name parameter or dollar quoting ($$, $tag$)' },
  { pattern: /(?<!:):[\w\u0080-\u{10FFFF}]/u, why: 'a :name parameter' },
  { pattern: /@[\w\u0080-\u{10FFFF}]/u, why: 'an @name parameter' },
]

/** Template objects already checked: a call site passes the same frozen array every time. */
const checkedTemplates = new WeakSet<object>()

/**
 * Tags a template literal as a SQL condition; see {@link SqlFragment}.
 *
 * ```ts
 * await Account.find({ where: { email: sql`LIKE ${'%@gmail.com'}` } })
 * ```
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  return new SqlFragment(strings, values)
}

/** Refuses anything but a real template literal, and fragment text that could do more than a condition. */
function checkTemplate(strings: readonly string[], valueCount: number): void {
  if (!checkedTemplates.has(strings) || strings.length !== valueCount + 1) {
    if (!isTemplateObject(strings, valueCount)) {
      throw ValidationError.badOption('sql must be used as a tagged template: sql`>= ${value}`, not called as a function.')
    }
    const text = strings.join('v')
    for (const { pattern, why } of FORBIDDEN) {
      const found = pattern.exec(text)
      if (found) {
        throw ValidationError.badOption(
          `sql\`${strings.join('${…}')}\` contains '${found[0]}', ${why}. Bind every value with \${}; ` +
            'parameter markers, comments and statement separators are refused in fragments.',
        )
      }
    }
    checkedTemplates.add(strings)
  }
}

/**
 * Whether `strings` has the shape only a tagged template literal gives: a frozen array with a frozen,
 * non-enumerable `raw` array of the same length whose escapes cook to the strings. Anything else
 * (an array, a copy, `Object.assign([...], { raw })`) could carry user input as SQL text. An object
 * forged to this exact shape cannot be told apart in JavaScript, but it never happens by accident.
 */
function isTemplateObject(strings: unknown, valueCount: number): strings is TemplateStringsArray {
  if (!Array.isArray(strings) || !Object.isFrozen(strings) || Object.getPrototypeOf(strings) !== Array.prototype) return false
  const descriptor = Object.getOwnPropertyDescriptor(strings, 'raw')
  if (!descriptor || descriptor.enumerable || !('value' in descriptor)) return false
  const raw: unknown = descriptor.value
  if (!Array.isArray(raw) || !Object.isFrozen(raw) || raw.length !== strings.length || strings.length !== valueCount + 1) return false
  // Indices, length and raw: nothing else.
  if (Reflect.ownKeys(strings).length !== strings.length + 2) return false
  for (let i = 0; i < strings.length; i++) {
    const cooked: unknown = strings[i]
    const source: unknown = raw[i]
    if (typeof cooked !== 'string' || typeof source !== 'string' || cookTemplateText(source) !== cooked) return false
  }
  return true
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', '\n': '', '\u2028': '', '\u2029': '' }
const TEMPLATE_ESCAPE = /\\(u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|[\s\S])/g

/** @internal The cooked text of a template's raw text, as the engine computes it (undefined: invalid escape). */
export function cookTemplateText(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw
  let isValid = true
  const cooked = raw.replace(TEMPLATE_ESCAPE, (_match, escape: string, braced?: string, hex4?: string, hex2?: string, offset = 0) => {
    const codePoint = braced ?? hex4 ?? hex2
    if (codePoint !== undefined) {
      const value = parseInt(codePoint, 16)
      if (value <= 0x10ffff) return String.fromCodePoint(value)
    } else if (escape === '0' && !/[0-9]/.test(raw.charAt(offset + 2))) {
      return '\0'
    } else if (!/[0-9ux]/.test(escape)) {
      return SIMPLE_ESCAPES[escape] ?? escape
    }
    isValid = false
    return ''
  })
  return isValid ? cooked : undefined
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
