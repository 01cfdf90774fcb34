import { BootError } from '../errors/boot-error.js'
import { HOOK_NAMES, ownHookDeclarations, type HookName } from './hook-decorators.js'

/** @internal Per hook name, the method names to call in order (ancestors' first); frozen at boot. */
export type HookLists = { readonly [K in HookName]: readonly string[] } & {
  /** Whether any list is non-empty: the flush skips the hook phases for classes without. */
  readonly hasAny: boolean
}

/**
 * @internal Lists the hook methods of a class from its chain (nearest first): inherited hooks run before
 * the class's own, a method decorated twice for one event (or overridden) runs once, and a decorated
 * member that is not a method is a BootError naming it.
 */
export function buildHookLists(className: string, chain: readonly (abstract new (...args: never[]) => object)[]): HookLists {
  const lists = Object.fromEntries(HOOK_NAMES.map((name) => [name, [] as string[]])) as Record<HookName, string[]>
  let hasAny = false
  for (const klass of [...chain].reverse()) {
    for (const { hook, property } of ownHookDeclarations(klass.prototype)) {
      const member: unknown = (chain[0] as { prototype: Record<string, unknown> }).prototype[property]
      if (typeof member !== 'function') {
        throw new BootError(`${className}.${property} has @${hook[0]?.toUpperCase()}${hook.slice(1)}() but is not a method; put the decorator on a method of the class.`)
      }
      if (lists[hook].includes(property)) continue
      lists[hook].push(property)
      hasAny = true
    }
  }
  for (const name of HOOK_NAMES) Object.freeze(lists[name])
  return Object.freeze({ ...lists, hasAny })
}

/** @internal The hook lists of a class that declares none. */
export const NO_HOOKS: HookLists = Object.freeze({
  ...(Object.fromEntries(HOOK_NAMES.map((name) => [name, Object.freeze([] as string[])])) as Record<HookName, readonly string[]>),
  hasAny: false,
})
