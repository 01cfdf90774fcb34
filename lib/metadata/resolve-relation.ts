import 'reflect-metadata'
import { BootError } from '../errors/boot-error.js'
import type { RelationDeclaration } from './declarations.js'
import type { RelationKind } from './entity-metadata.js'

/**
 * @internal The plan of the class a relation points at; a target function that throws, returns no class
 * or a class not passed to `ORM.boot()` is a `BootError`.
 */
export function resolveRelationTarget<Plan>(className: string, declaration: RelationDeclaration, planByCtor: ReadonlyMap<object, Plan>): Plan {
  let target: unknown
  try {
    target = declaration.target()
  } catch (error) {
    throw BootError.badRelationTarget(className, declaration.property, `its target function threw: ${String(error)}`)
  }
  if (typeof target !== 'function') {
    throw BootError.badRelationTarget(className, declaration.property, 'its target function did not return a class (is there an import cycle?)')
  }
  const plan = planByCtor.get(target)
  if (!plan) {
    throw BootError.badRelationTarget(
      className,
      declaration.property,
      `it points at ${target.name}, which was not passed to ORM.boot(); a relation needs a class with a table of its own`,
    )
  }
  return plan
}

/** @internal How a relation is stored, from its `many`/`inverse` options and its design type. */
export function relationKind(className: string, declaration: RelationDeclaration): RelationKind {
  const { many, inverse } = declaration.options
  if (many !== undefined && typeof many !== 'boolean') throw BootError.badManyOption(className, declaration.property, many)
  const designType: unknown = Reflect.getMetadata('design:type', declaration.prototype, declaration.property)
  // Object is what TypeScript emits for Ref<T> and other aliases: it says nothing about the kind.
  const typedMany = designType === undefined || designType === Object ? undefined : designType === Array
  if (many !== undefined && typedMany !== undefined && many !== typedMany) {
    throw BootError.relationKindMismatch(className, declaration.property, many)
  }
  // An inverse view is always a collection, so it needs neither metadata nor { many: true }.
  const isMany = many ?? typedMany ?? (inverse !== undefined ? true : undefined)
  if (isMany === undefined) {
    if (designType === undefined) throw BootError.missingRelationType(className, declaration.property)
    return 'toOne'
  }
  if (inverse !== undefined) {
    if (!isMany) throw BootError.inverseNotArray(className, declaration.property)
    return 'inverse'
  }
  return isMany ? 'toMany' : 'toOne'
}
