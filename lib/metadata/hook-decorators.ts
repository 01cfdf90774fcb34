import { BootError } from '../errors/boot-error.js'

/** The five lifecycle events a class can hook, before and after each. */
export type LifecycleEvent = 'insert' | 'update' | 'softDelete' | 'restore' | 'delete'

/** @internal `beforeInsert`, `afterSoftDelete`, ...: the key of one hook list. */
export type HookName = `${'before' | 'after'}${Capitalize<LifecycleEvent>}`

/** @internal Every hook name, in a fixed order. */
export const HOOK_NAMES: readonly HookName[] = [
  'beforeInsert',
  'afterInsert',
  'beforeUpdate',
  'afterUpdate',
  'beforeSoftDelete',
  'afterSoftDelete',
  'beforeRestore',
  'afterRestore',
  'beforeDelete',
  'afterDelete',
]

/** @internal What a hook decorator recorded on a prototype, checked and listed at boot. */
export interface HookDeclaration {
  readonly hook: HookName
  readonly property: string
}

const hookDeclarations = new WeakMap<object, HookDeclaration[]>()

/** @internal The hooks decorated directly on this prototype (not its ancestors). */
export function ownHookDeclarations(prototype: object): readonly HookDeclaration[] {
  return hookDeclarations.get(prototype) ?? []
}

function hookDecorator(hook: HookName): () => MethodDecorator {
  const decoratorName = hook[0]?.toUpperCase() + hook.slice(1)
  return () => (prototype: object, key: string | symbol) => {
    if (typeof key === 'object' && key !== null) {
      throw new BootError(`@${decoratorName}() was applied as a TC39 standard decorator. veil-orm needs TypeScript's "experimentalDecorators": true.`)
    }
    if (typeof key === 'symbol') throw new BootError(`@${decoratorName}() cannot decorate the symbol member ${String(key)}; use a string name.`)
    const list = hookDeclarations.get(prototype)
    const declaration = { hook, property: key }
    if (list) list.push(declaration)
    else hookDeclarations.set(prototype, [declaration])
  }
}

/**
 * Runs the method before the instance's row is inserted, inside the flush's transaction: it may change
 * the instance (the INSERT writes the change) or throw to abort the whole flush.
 *
 * ```ts
 * class Post extends SoftDel {
 *   @Column() slug: string
 *   @BeforeInsert() makeSlug() { this.slug ||= this.title.toLowerCase() }
 * }
 * ```
 */
export const BeforeInsert = hookDecorator('beforeInsert')
/** Runs the method after the commit that inserted the instance's row. */
export const AfterInsert = hookDecorator('afterInsert')
/** Runs the method before the instance's changes are written (not for an `isDeleted` flip: see BeforeSoftDelete). */
export const BeforeUpdate = hookDecorator('beforeUpdate')
/** Runs the method after the commit that wrote the instance's changes. */
export const AfterUpdate = hookDecorator('afterUpdate')
/** Runs the method before the row is soft-deleted (flag, `softDelete()`, cascade or bulk form). */
export const BeforeSoftDelete = hookDecorator('beforeSoftDelete')
/** Runs the method after the commit that soft-deleted the row. */
export const AfterSoftDelete = hookDecorator('afterSoftDelete')
/** Runs the method before the row is restored (flag, `restore()`, cascade or bulk form). */
export const BeforeRestore = hookDecorator('beforeRestore')
/** Runs the method after the commit that restored the row. */
export const AfterRestore = hookDecorator('afterRestore')
/** Runs the method before the row is hard-deleted (`delete()`, `Class.delete()`, `purgeDeleted()`). */
export const BeforeDelete = hookDecorator('beforeDelete')
/** Runs the method after the commit that hard-deleted the row (the instance is detached by then). */
export const AfterDelete = hookDecorator('afterDelete')
