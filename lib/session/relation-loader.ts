import type { Connection } from '../dialect/dialect.js'
import { ValidationError } from '../errors/validation-error.js'
import type { EntityMetadata, JunctionMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import type { QueryCompiler } from '../query/query-compiler.js'
import { relationVisibility, type Visibility } from '../soft-delete/visibility.js'
import { MANAGED, STATE, setMembers, type Stateful } from '../state/entity-state.js'
import type { Hydrator } from './hydrator.js'
import type { IdentityMap } from '../state/identity-map.js'
import type { CollectionWrapper } from './own-fields.js'
import { InverseView, Reference, isStateful, referencedId } from '../state/reference.js'

/** In a relations spec, the key that makes a collection include soft-deleted rows. */
const WITH_DELETED = 'withDeleted'

/** @internal What loading needs from the booted ORM. */
export interface LoaderHost {
  readonly compiler: QueryCompiler
  readonly hydrator: Hydrator
  readonly identityMap: IdentityMap
  readonly wrapCollection: CollectionWrapper
  writeVersion(meta: EntityMetadata): number
  /** Called before a loaded collection is stored on an instance, so that a rollback can unload it. */
  journalLoad(entity: Stateful): void
}

/**
 * @internal Loads relations of many instances at once: one query per relation and level, never one
 * per instance. Targets already in memory are reused; loaded values are identity-mapped instances.
 */
export class RelationLoader {
  constructor(readonly host: LoaderHost) {}

  /** Checks a `relations` option before any query runs. */
  check(meta: EntityMetadata, spec: unknown, path = 'relations'): void {
    if (spec === undefined) return
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw ValidationError.badOption(`${meta.className}.find(): '${path}' must be an object such as { author: true }.`)
    }
    for (const [key, nested] of Object.entries(spec)) {
      if (key === WITH_DELETED && path !== 'relations') {
        if (typeof nested !== 'boolean') throw ValidationError.badOption(`${meta.className}.find(): '${path}.withDeleted' must be true or false.`)
        continue
      }
      const relation = meta.relationsByProperty.get(key)
      if (!relation) throw ValidationError.unknownRelation(meta.className, key, [...meta.relationsByProperty.keys()])
      if (nested === true || nested === false || nested === undefined) continue
      this.check(relation.target, nested, `${path}.${key}`)
    }
  }

  /** Loads the relations named by `spec` (nested objects load further) on every instance. */
  async load(meta: EntityMetadata, instances: readonly Stateful[], spec: object | undefined, connection: Connection): Promise<void> {
    if (!spec || instances.length === 0) return
    for (const [key, nested] of Object.entries(spec)) {
      if (nested === false || nested === undefined || key === WITH_DELETED) continue
      const relation = meta.relationsByProperty.get(key) as RelationMetadata
      const related = await this.loadRelation(relation, instances, connection, relationVisibility(nested))
      if (nested !== true) await this.load(relation.target, related, nested as object, connection)
    }
  }

  /**
   * Loads one relation on every instance; returns the distinct related instances. Collections see
   * live rows of a soft-deletable target unless `visibility` is 'all'; a to-one relation always
   * resolves, soft-deleted target or not (the row exists and the type promises a value).
   */
  async loadRelation(
    relation: RelationMetadata,
    instances: readonly Stateful[],
    connection: Connection,
    visibility: Visibility = 'live',
  ): Promise<Stateful[]> {
    switch (relation.kind) {
      case 'toOne':
        return this.#loadToOne(relation, instances, connection)
      case 'toMany':
        return this.#loadToMany(relation, instances, connection, visibility)
      case 'inverse':
        return this.#loadInverse(relation, instances, connection, visibility)
    }
  }

  async #loadToOne(relation: RelationMetadata, instances: readonly Stateful[], connection: Connection): Promise<Stateful[]> {
    const { slot, target } = relation
    const related = new Set<Stateful>()
    const missing = new Set<unknown>()
    const resolveFromMemory = (): void => {
      for (const instance of instances) {
        const values = instance[STATE].values
        const value = values[slot]
        if (value instanceof Reference) {
          const found = this.host.identityMap.get(target, value.id) as Stateful | undefined
          if (found) {
            values[slot] = found
            related.add(found)
          } else missing.add(value.id)
        } else if (isStateful(value)) related.add(value)
      }
    }
    resolveFromMemory()
    if (missing.size === 0) return [...related]
    const query = this.host.compiler.selectWhereIn(target, target.idColumn, [...missing])
    const rows = await connection.select(query.text, query.params, target.needsSafeIntegers)
    this.host.hydrator.hydrate(target, rows)
    missing.clear()
    // A target deleted meanwhile stays a Reference: reading it resolves to undefined.
    resolveFromMemory()
    return [...related]
  }

  async #loadToMany(relation: RelationMetadata, instances: readonly Stateful[], connection: Connection, visibility: Visibility): Promise<Stateful[]> {
    const { slot } = relation
    const junction = relation.junction as JunctionMetadata
    const related = new Set<Stateful>()
    const owners = new Map<unknown, Stateful>()
    for (const instance of instances) {
      const state = instance[STATE]
      const value = state.values[slot]
      // Loaded arrays are read again (another process may have changed the membership), unless
      // they hold changes not yet written.
      if (state.status === MANAGED && (value === undefined || !state.dirty?.has(slot))) {
        owners.set(state.values[0], instance)
      } else if (Array.isArray(value)) {
        for (const item of value) if (isStateful(item)) related.add(item)
      }
    }
    if (owners.size === 0) return [...related]
    const groups = await this.#selectThrough(relation.target, junction, 'owner', [...owners.keys()], connection, visibility)
    for (const [id, owner] of owners) {
      const items = groups.get(id) ?? []
      const state = owner[STATE]
      // Changed while the query ran: the pending change wins.
      if (state.dirty?.has(slot)) continue
      this.host.journalLoad(owner)
      state.values[slot] = this.host.wrapCollection(owner, slot, items)
      setMembers(state, slot, [...items])
      for (const item of items) related.add(item)
    }
    return [...related]
  }

  async #loadInverse(relation: RelationMetadata, instances: readonly Stateful[], connection: Connection, visibility: Visibility): Promise<Stateful[]> {
    const mirrored = relation.mirrored as RelationMetadata
    const source = mirrored.owner
    // Read before the query: a write that lands while it runs makes the view stale, not lost.
    const version = this.host.writeVersion(source)
    const owners = new Map<unknown, Stateful>()
    for (const instance of instances) {
      const state = instance[STATE]
      if (state.status === MANAGED) owners.set(state.values[0], instance)
    }
    if (owners.size === 0) return []
    let groups: Map<unknown, Stateful[]>
    if (mirrored.kind === 'toOne') {
      const query = this.host.compiler.selectWhereIn(source, mirrored.column!, [...owners.keys()], visibility)
      const rows = await connection.select(query.text, query.params, source.needsSafeIntegers)
      groups = new Map()
      for (const item of this.host.hydrator.hydrate<Stateful>(source, rows)) {
        const id = referencedId(item[STATE].values[mirrored.slot])
        const group = groups.get(id)
        if (group) group.push(item)
        else groups.set(id, [item])
      }
    } else {
      groups = await this.#selectThrough(source, mirrored.junction as JunctionMetadata, 'target', [...owners.keys()], connection, visibility)
    }
    const related = new Set<Stateful>()
    for (const [id, owner] of owners) {
      const items = groups.get(id) ?? []
      this.host.journalLoad(owner)
      owner[STATE].values[relation.slot] = new InverseView(Object.freeze(items), version)
      for (const item of items) related.add(item)
    }
    return [...related]
  }

  /** Instances of `result` linked through the junction to the given ids of one side, grouped by that id. */
  async #selectThrough(
    result: EntityMetadata,
    junction: JunctionMetadata,
    side: 'owner' | 'target',
    ids: readonly unknown[],
    connection: Connection,
    visibility: Visibility,
  ): Promise<Map<unknown, Stateful[]>> {
    const query = this.host.compiler.selectThroughJunction(result, junction, side, ids, visibility)
    const rows = await connection.select(query.text, query.params, result.needsSafeIntegers || junctionNeedsSafeIntegers(junction))
    const instances = this.host.hydrator.hydrate<Stateful>(result, rows)
    const idType = side === 'owner' ? junction.ownerType : junction.targetType
    const width = result.hierarchy.readColumns.length || result.columns.length
    const groups = new Map<unknown, Stateful[]>()
    instances.forEach((instance, r) => {
      const id = this.host.hydrator.dialect.decode(idType, (rows[r] as unknown[])[width])
      const group = groups.get(id)
      if (group) group.push(instance)
      else groups.set(id, [instance])
    })
    return groups
  }
}

function junctionNeedsSafeIntegers(junction: JunctionMetadata): boolean {
  return junction.ownerType === 'bigint' || junction.targetType === 'bigint'
}
