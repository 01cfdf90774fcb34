import type { Connection } from '../dialect/dialect.js'
import type { DependentsDict } from '../errors/dependents-error.js'
import type { EntityMetadata, RelationMetadata } from '../metadata/entity-metadata.js'
import { DependentsCompiler, type DependentsVisibility } from '../query/dependents-compiler.js'
import type { QueryCompiler } from '../query/query-compiler.js'
import type { Stateful } from '../state/entity-state.js'
import type { DeleteHost } from './operation-host.js'

/** One compiler (and so one statement cache) per booted ORM's query compiler. */
const compilers = new WeakMap<QueryCompiler, DependentsCompiler>()

/** Per relation list, the `relations` spec that loads its props (built once, like the statement). */
const loadSpecs = new WeakMap<readonly RelationMetadata[], Record<string, true>>()

/**
 * @internal The instances of every class in `byClass` whose rows point at the instance of `target` with
 * this id, with the listed props loaded: one SELECT per class that returns full rows, hydrated through the
 * identity map (instances already in memory are the ones returned). The classes' SELECTs are started
 * together: outside a transaction PostgreSQL runs them on separate pooled connections at the same time;
 * a transaction's connection runs them one after another. The dict lists classes in `byClass` order.
 */
export async function readDependents(
  host: DeleteHost,
  connection: Connection,
  target: EntityMetadata,
  byClass: ReadonlyMap<EntityMetadata, readonly RelationMetadata[]>,
  id: unknown,
  visibility: DependentsVisibility,
): Promise<DependentsDict> {
  let statements = compilers.get(host.compiler)
  if (!statements) compilers.set(host.compiler, (statements = new DependentsCompiler(host.compiler)))
  const compiler = statements
  const reads: Promise<[string, Stateful[], string[]] | undefined>[] = []
  for (const [owner, relations] of byClass) {
    reads.push(readClass(host, compiler, connection, owner, target, relations, id, visibility))
  }
  const dict: DependentsDict = {}
  for (const found of await Promise.all(reads)) {
    if (found) dict[found[0]] = [found[1], found[2]]
  }
  return dict
}

async function readClass(
  host: DeleteHost,
  compiler: DependentsCompiler,
  connection: Connection,
  owner: EntityMetadata,
  target: EntityMetadata,
  relations: readonly RelationMetadata[],
  id: unknown,
  visibility: DependentsVisibility,
): Promise<[string, Stateful[], string[]] | undefined> {
  const query = compiler.selectReferencingOne(owner, target, relations, id, visibility)
  const rows = await connection.select(query.text, query.params, owner.needsSafeIntegers)
  if (rows.length === 0) return undefined
  const instances = host.hydrator.hydrate<Stateful>(owner, rows)
  let spec = loadSpecs.get(relations)
  if (!spec) loadSpecs.set(relations, (spec = Object.fromEntries(relations.map((relation) => [relation.property, true] as const))))
  // The props that point at the instance resolve from memory; another target (a second relation to the
  // same class) is loaded with one query per prop.
  await host.loader.load(owner, instances, spec, connection)
  return [owner.className, instances, relations.map((relation) => relation.property)]
}
