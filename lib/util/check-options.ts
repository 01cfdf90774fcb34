import { ValidationError, describeValue } from '../errors/validation-error.js'

/** @internal What an option accepts: `boolean` must be true or false; `value` is checked by the call that uses it. */
export type OptionKind = 'boolean' | 'value'

/** @internal The options one public call accepts, with hints for keys that users of other ORMs write. */
export interface OptionsSpec {
  readonly method: string
  readonly kinds: ReadonlyMap<string, OptionKind>
  readonly hints: ReadonlyMap<string, string>
}

/**
 * @internal Declares the options of `method`. Typing `kinds` as a record over the options interface's
 * keys (`Record<keyof FindOptions<unknown>, OptionKind>`) makes the compiler insist on every option.
 */
export function defineOptions(method: string, kinds: Readonly<Record<string, OptionKind>>, hints: Readonly<Record<string, string>> = {}): OptionsSpec {
  return { method, kinds: new Map(Object.entries(kinds)), hints: new Map(Object.entries(hints)) }
}

/**
 * @internal Refuses an options object with a key `spec` does not list, or a boolean option that is not
 * true or false, naming `owner.method()` and the valid options. One loop over the keys, nothing
 * allocated when the options are valid: finds run thousands of times a second.
 */
export function checkOptions(
  options: unknown,
  spec: OptionsSpec,
  owner: string,
  fail: (message: string) => Error = ValidationError.badOption,
): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw fail(`${owner}.${spec.method}() takes an options object ({ ${[...spec.kinds.keys()].join(', ')} }), not ${describeValue(options)}.`)
  }
  for (const key in options) {
    const kind = spec.kinds.get(key)
    if (kind === undefined) {
      const hint = spec.hints.get(key)
      throw fail(
        `${owner}.${spec.method}() has no option '${key}'${hint ? ` (${hint})` : ''}. ` +
          `Valid options: ${[...spec.kinds.keys()].join(', ')}.`,
      )
    }
    const value = (options as Record<string, unknown>)[key]
    if (kind === 'boolean' && value !== undefined && typeof value !== 'boolean') {
      throw fail(`${owner}.${spec.method}(): '${key}' must be true or false, not ${describeValue(value)}.`)
    }
  }
}
