import { BootError } from '../errors/boot-error.js'
import type { EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import type { MetadataRegistry } from '../metadata/metadata-registry.js'

/** One edge of the graph: instances of `dependent` hold a required `property` pointing at `target`. */
export interface DependentsEdge {
  readonly dependent: string
  readonly property: string
  readonly target: string
}

/** Dependent class name -> the properties of that class that point at the target class. */
export type DependentClasses = Record<string, string[]>

/**
 * Which classes block the hard deletion of which: class B is a dependent of class A when B has a
 * required to-one relation to A. Built by `ORM.boot()`; read it with `ORM.dependentsGraph()`.
 *
 * ```ts
 * console.log(ORM.dependentsGraph().toMermaid())
 * ```
 */
export class DependentsGraph {
  /** @internal */
  readonly #dependencies: ReadonlyMap<EntityMetadata, ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>>
  /** @internal */
  readonly #references: ReadonlyMap<EntityMetadata, ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>>
  /** @internal */
  readonly #insertRanks: ReadonlyMap<EntityMetadata, number>
  /** @internal Class name -> the names whose relations can point at its rows (itself, booted ancestors and descendants). */
  readonly #related: ReadonlyMap<string, ReadonlySet<string>>

  /** @internal */
  constructor(
    /** Every booted class name, in boot order. */
    readonly classes: readonly string[],
    /** Every required to-one relation, as an edge from the dependent class to its target. */
    readonly edges: readonly DependentsEdge[],
    registry: MetadataRegistry,
    insertRanks: ReadonlyMap<EntityMetadata, number>,
  ) {
    this.#insertRanks = insertRanks
    this.#dependencies = acrossHierarchies(registry, groupByTarget(registry, (relation) => relation.isDependency))
    this.#references = acrossHierarchies(registry, groupByTarget(registry, (relation) => relation.kind !== 'inverse'))
    this.#related = new Map(registry.entities.map((meta) => [meta.className, new Set(relatedClasses(meta).map((other) => other.className))]))
    Object.freeze(this)
  }

  /**
   * The dependent classes of a class and their props, e.g. `{ Story: ['createdBy'] }`; `{}` when
   * nothing can block its deletion.
   */
  dependentsOf(className: string): DependentClasses {
    const result: DependentClasses = {}
    // Concrete inheritance: a relation to an ancestor or a descendant can point at a row of this class too.
    const related = this.#related.get(className) ?? new Set([className])
    for (const edge of this.edges) {
      if (related.has(edge.target)) (result[edge.dependent] ??= []).push(edge.property)
    }
    return result
  }

  /**
   * A Mermaid flowchart: an arrow from each dependent class to the class it depends on, labelled
   * with the property. Classes without edges are listed alone.
   */
  toMermaid(): string {
    const lines = ['flowchart LR']
    const connected = new Set<string>()
    for (const edge of this.edges) {
      lines.push(`  ${edge.dependent} -->|${edge.property}| ${edge.target}`)
      connected.add(edge.dependent).add(edge.target)
    }
    for (const name of this.classes) if (!connected.has(name)) lines.push(`  ${name}`)
    return lines.join('\n')
  }

  /** @internal Per dependent class, its required relations pointing at `meta`. */
  dependencyRelations(meta: EntityMetadata): ReadonlyMap<EntityMetadata, readonly RelationMetadata[]> {
    return this.#dependencies.get(meta) ?? EMPTY
  }

  /** @internal The position of `meta` in the order a flush inserts classes: referenced classes first. */
  insertRank(meta: EntityMetadata): number {
    return this.#insertRanks.get(meta) ?? 0
  }

  /** @internal Per class, its to-one and to-many relations pointing at `meta`. */
  referenceRelations(meta: EntityMetadata): ReadonlyMap<EntityMetadata, readonly RelationMetadata[]> {
    return this.#references.get(meta) ?? EMPTY
  }
}

const EMPTY: ReadonlyMap<EntityMetadata, readonly RelationMetadata[]> = new Map()

function groupByTarget(
  registry: MetadataRegistry,
  include: (relation: RelationMetadata) => boolean,
): Map<EntityMetadata, Map<EntityMetadata, RelationMetadata[]>> {
  const byTarget = new Map<EntityMetadata, Map<EntityMetadata, RelationMetadata[]>>()
  for (const owner of registry.entities) {
    for (const relation of owner.relations) {
      // An inherited relation is the ancestor's: its statements already cover this class's rows.
      if (!include(relation) || relation.inheritedFrom) continue
      let byOwner = byTarget.get(relation.target)
      if (!byOwner) byTarget.set(relation.target, (byOwner = new Map()))
      const list = byOwner.get(owner)
      if (list) list.push(relation)
      else byOwner.set(owner, [relation])
    }
  }
  return byTarget
}

/** A class, its booted ancestors and its booted descendants: the classes whose relations can point at its rows. */
function relatedClasses(meta: EntityMetadata): EntityMetadata[] {
  const ancestors: EntityMetadata[] = []
  for (let parent = meta.hierarchy.parent; parent; parent = parent.hierarchy.parent) ancestors.push(parent)
  return [meta, ...ancestors, ...meta.hierarchy.descendants]
}

/**
 * Concrete inheritance: a row of a class is also a row of its ancestors, and may be one of a descendant, so
 * the relations pointing at any of them can point at it. Merges them per class; other classes keep theirs.
 */
function acrossHierarchies(
  registry: MetadataRegistry,
  byTarget: Map<EntityMetadata, Map<EntityMetadata, RelationMetadata[]>>,
): Map<EntityMetadata, Map<EntityMetadata, RelationMetadata[]>> {
  const merged = new Map<EntityMetadata, Map<EntityMetadata, RelationMetadata[]>>()
  for (const meta of registry.entities) {
    const related = relatedClasses(meta)
    if (related.length === 1) {
      const own = byTarget.get(meta)
      if (own) merged.set(meta, own)
      continue
    }
    const byOwner = new Map<EntityMetadata, RelationMetadata[]>()
    for (const target of related) {
      for (const [owner, relations] of byTarget.get(target) ?? []) byOwner.set(owner, [...(byOwner.get(owner) ?? []), ...relations])
    }
    if (byOwner.size > 0) merged.set(meta, byOwner)
  }
  return merged
}

/**
 * @internal The relation analyzer run by boot: builds the graph, refuses a cycle of required
 * relations, and ranks the classes so that a flush inserts referenced rows before the rows that
 * reference them.
 */
export function analyzeRelations(registry: MetadataRegistry): DependentsGraph {
  const edges: DependentsEdge[] = []
  for (const owner of registry.entities) {
    for (const relation of owner.relations) {
      if (relation.isDependency && !relation.inheritedFrom) edges.push({ dependent: owner.className, property: relation.property, target: relation.target.className })
    }
  }
  const cycle = findRequiredCycle(registry)
  if (cycle) throw BootError.requiredCycle(cycle)
  return new DependentsGraph(
    registry.entities.map((meta) => meta.className),
    edges,
    registry,
    rankForInsertion(registry),
  )
}

/** A cycle of required relations as `Class.prop` steps, or undefined. */
function findRequiredCycle(registry: MetadataRegistry): string[] | undefined {
  const visiting = new Set<EntityMetadata>()
  const done = new Set<EntityMetadata>()
  const path: RelationMetadata[] = []
  const visit = (meta: EntityMetadata): string[] | undefined => {
    if (done.has(meta)) return undefined
    visiting.add(meta)
    for (const relation of meta.relations) {
      if (!relation.isDependency) continue
      path.push(relation)
      if (visiting.has(relation.target)) {
        const start = path.findIndex((step) => step.owner === relation.target)
        return [...path.slice(start).map((step) => step.path), relation.target.className]
      }
      const found = visit(relation.target)
      if (found) return found
      path.pop()
    }
    visiting.delete(meta)
    done.add(meta)
    return undefined
  }
  for (const meta of registry.entities) {
    const found = visit(meta)
    if (found) return found
  }
  return undefined
}

/**
 * Ranks classes so that every required target comes before its dependents, and optional targets
 * too where a cycle of optional relations does not prevent it (those rows get a follow-up UPDATE).
 */
function rankForInsertion(registry: MetadataRegistry): Map<EntityMetadata, number> {
  const ranks = new Map<EntityMetadata, number>()
  const remaining = new Set(registry.entities)
  const placedOr = (meta: EntityMetadata, target: EntityMetadata): boolean => target === meta || !remaining.has(target)
  while (remaining.size > 0) {
    const ready = [...remaining].filter((meta) =>
      meta.relations.every((relation) => !relation.isDependency || placedOr(meta, relation.target)),
    )
    const next =
      ready.find((meta) => meta.relations.every((relation) => relation.kind !== 'toOne' || placedOr(meta, relation.target))) ??
      ready[0]
    if (!next) throw new Error('internal: required relations form a cycle after the cycle check')
    ranks.set(next, ranks.size)
    remaining.delete(next)
  }
  return ranks
}
