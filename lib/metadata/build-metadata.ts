import { BootError } from '../errors/boot-error.js'
import { isPascalCase, toSnakeCase } from '../util/naming.js'
import { ID_TYPES, type ColumnType, type IdType } from './column-type.js'
import { ownColumnDeclarations, ownRelationDeclarations, ownTableDeclaration, type RelationDeclaration } from './declarations.js'
import { EntityMetadata, RelationMetadata, type ColumnMetadata } from './entity-metadata.js'
import { freezeMetadata } from './freeze-metadata.js'
import { buildHookLists } from './hook-lists.js'
import { indexName } from './index-name.js'
import { DISCRIMINATOR_COLUMN, linkHierarchies, tableMetadata } from './link-hierarchy.js'
import { linkRelations } from './link-relations.js'
import { MetadataRegistry } from './metadata-registry.js'
import { checkPropertyName, resolveColumn, type ColumnDraft } from './resolve-column.js'
import { relationKind, resolveRelationTarget } from './resolve-relation.js'

// Postgres' dialect names its foreign keys with it; it lives in index-name.ts.

/** The properties an audited class maps itself. */
const AUDIT_PROPERTIES = new Set(['deletedBy', 'deletionReason'])

type AnyClass = abstract new (...args: never[]) => object

/** @internal What the metadata builder needs to know about the entity hierarchy. */
export interface HierarchyRoots {
  /** The `Entity` base class. */
  readonly entity: AnyClass
  /** Built-in abstract bases (such as `SoftDel`): accepted by boot, never given a table. */
  readonly builtinBases: ReadonlySet<AnyClass>
}

/**
 * @internal Validates the classes given to `ORM.boot()`, resolves their tables, columns and relations,
 * and returns them frozen. Every mistake is a `BootError` naming the class and property.
 */
export function buildMetadata(
  classes: readonly unknown[],
  roots: HierarchyRoots,
  idTypeDefault: IdType,
  warn?: (message: string) => void,
): MetadataRegistry {
  const seenNames = new Map<string, AnyClass>()
  const seenTables = new Map<string, string>()
  const plans: ClassPlan[] = []
  const booted = new Set(classes)
  for (const candidate of classes) {
    if (typeof candidate !== 'function' || !(candidate.prototype instanceof roots.entity)) {
      throw BootError.notAnEntity(typeof candidate === 'function' ? candidate.name : String(candidate))
    }
    const ctor = candidate as AnyClass
    if (roots.builtinBases.has(ctor)) continue
    const className = ctor.name
    if (!isPascalCase(className)) throw BootError.badClassName(className)
    const previous = seenNames.get(className)
    if (previous === ctor) continue
    if (previous) throw BootError.duplicateClassName(className)
    seenNames.set(className, ctor)

    const chain = ancestorsBelowEntity(ctor, roots.entity)
    // Concrete inheritance: a class with a booted ancestor shares the table of its top-most booted one.
    const root = [...chain].reverse().find((klass) => booted.has(klass) && !roots.builtinBases.has(klass)) as AnyClass
    const tableName = hierarchyTableName(ctor, root, chain)
    const owner = seenTables.get(tableName)
    if (owner && !(root !== ctor && owner === root.name)) throw BootError.duplicateTable(tableName, owner, className)
    if (root === ctor) seenTables.set(tableName, className)
    const inHierarchy = root !== ctor || classes.some((other) => other !== ctor && typeof other === 'function' && other.prototype instanceof ctor)
    plans.push({ ctor, className, chain, tableName, idType: resolveIdType(chain, roots, idTypeDefault), inHierarchy })
  }
  // Relations need every class's table and id type (a foreign key has its target's id type), so
  // classes are planned first and built second.
  const planByCtor = new Map(plans.map((plan) => [plan.ctor as object, plan]))
  let entities = plans.map((plan) => buildEntityMetadata(plan, roots, planByCtor, warn))
  // Concrete inheritance: the classes sharing a table place their collections after the columns of all of
  // them, so that a relation has one slot in the instances of its class and of every descendant.
  const widths = new Map<string, number>()
  for (const meta of entities) widths.set(meta.tableName, Math.max(widths.get(meta.tableName) ?? 0, meta.columns.length))
  entities = entities.map((meta, i) => {
    const plan = plans[i] as ClassPlan
    return plan.inHierarchy ? buildEntityMetadata(plan, roots, planByCtor, warn, widths.get(plan.tableName)) : meta
  })
  linkHierarchies(entities)
  linkRelations(entities, seenTables)
  return freezeMetadata(new MetadataRegistry(entities, tableMetadata(entities)))
}

/** What is known about a class before its columns are resolved. */
interface ClassPlan {
  readonly ctor: AnyClass
  readonly className: string
  /** The class and its ancestors below Entity, nearest first. */
  readonly chain: readonly AnyClass[]
  readonly tableName: string
  readonly idType: IdType
  /** Shares its table with a booted ancestor or descendant: its rows carry a discriminator. */
  readonly inHierarchy: boolean
}

function idColumnType(idType: IdType): ColumnType {
  return idType === 'UUID' ? 'uuid' : idType === 'BIGINT' ? 'bigint' : 'integer'
}

function buildEntityMetadata(
  plan: ClassPlan,
  roots: HierarchyRoots,
  planByCtor: ReadonlyMap<object, ClassPlan>,
  warn: ((message: string) => void) | undefined,
  collectionBase?: number,
): EntityMetadata {
  const { className, chain, tableName, idType } = plan
  const timestampNames = nearestTimestampNames(chain)

  const columns: ColumnMetadata[] = []
  const usedColumnNames = new Map<string, string>()
  const addColumn = (column: ColumnDraft): ColumnMetadata => {
    const taken = usedColumnNames.get(column.name)
    if (taken) throw BootError.duplicateColumn(className, column.name, taken, column.property)
    usedColumnNames.set(column.name, column.property)
    const uniqueIndexName = column.unique ? indexName(tableName, column.name, 'key') : undefined
    const resolved = { ...column, index: columns.length, uniqueIndexName }
    columns.push(resolved)
    return resolved
  }

  addColumn({ property: 'id', name: 'id', type: idColumnType(idType), nullable: false, unique: false, role: 'id' })
  addColumn({ property: 'createdAt', name: timestampNames.createdAt ?? 'created_at', type: 'date', nullable: false, unique: false, role: 'createdAt' })
  addColumn({ property: 'updatedAt', name: timestampNames.updatedAt ?? 'updated_at', type: 'date', nullable: false, unique: false, role: 'updatedAt' })
  const isSoftDeletable = chain.some((klass) => roots.builtinBases.has(klass))
  if (isSoftDeletable) {
    // Every built-in base is soft-deletable: one nullable timestamp is the whole state, isDeleted derives from it.
    const name = timestampNames.deletedAt ?? 'deleted_at'
    addColumn({ property: 'deletedAt', name, type: 'date', nullable: true, unique: false, role: 'deletedAt', lookupIndexName: indexName(tableName, name, 'idx') })
  }
  const audited = isAudited(chain)
  if (audited) {
    if (!isSoftDeletable) throw BootError.badOption(`@Table({ audit: true }) on ${className}: only a soft-deletable class (extending SoftDel or SoftDelUuid) can be audited.`)
    // Who soft-deleted the row, and why: written with deleted_at, cleared by a restore (lib/soft-delete/deletion-audit.ts).
    addColumn({ property: 'deletedBy', name: 'deleted_by', type: 'text', nullable: true, unique: false, role: 'deletedBy' })
    addColumn({ property: 'deletionReason', name: 'deletion_reason', type: 'text', nullable: true, unique: false, role: 'deletionReason' })
  }

  if (plan.inHierarchy) {
    addColumn({ property: 'entityType', name: DISCRIMINATOR_COLUMN, type: 'text', nullable: false, unique: false, role: 'discriminator' })
  }

  const seenProperties = new Set<string>()
  const relations: RelationMetadata[] = []
  const collections: { declaration: RelationDeclaration; kind: 'toMany' | 'inverse'; target: ClassPlan }[] = []
  for (const klass of [...chain].reverse()) {
    const columnDeclarations = ownColumnDeclarations(klass.prototype)
    const relationDeclarations = ownRelationDeclarations(klass.prototype)
    for (const declaration of columnDeclarations) {
      if (relationDeclarations.some((relation) => relation.property === declaration.property)) {
        throw BootError.columnAndRelation(className, declaration.property)
      }
      if (seenProperties.has(declaration.property)) continue
      seenProperties.add(declaration.property)
      if (audited && AUDIT_PROPERTIES.has(declaration.property)) {
        throw BootError.badOption(`${className}.${declaration.property} is written by @Table({ audit: true }); rename the @Column() property.`)
      }
      const column = addColumn(resolveColumn(className, declaration, roots.entity, warn))
      if (column.role === 'version' && columns.some((other) => other.role === 'version' && other !== column)) {
        throw BootError.badOption(`${className}.${column.property} is a second version column; a class has at most one @Column({ version: true }).`)
      }
    }
    for (const declaration of relationDeclarations) {
      const { property, options } = declaration
      if (seenProperties.has(property)) continue
      seenProperties.add(property)
      checkPropertyName(className, property)
      const target = resolveRelationTarget(className, declaration, planByCtor)
      const kind = relationKind(className, declaration)
      if (kind !== 'toOne') {
        if (options.name !== undefined || options.nullable !== undefined) throw BootError.toOneOptionOnCollection(className, property)
        collections.push({ declaration, kind, target })
        continue
      }
      if (options.through !== undefined) throw BootError.throughOnToOne(className, property)
      const name = options.name ?? `${toSnakeCase(property)}_id`
      const column = addColumn({
        property,
        name,
        type: idColumnType(target.idType),
        nullable: options.nullable ?? false,
        unique: false,
        role: 'relation',
        lookupIndexName: indexName(tableName, name, 'idx'),
      })
      relations.push(new RelationMetadata(property, 'toOne', column.nullable, column.index, column, target.ctor, options))
    }
  }
  collections.forEach(({ declaration, kind, target }, k) => {
    relations.push(new RelationMetadata(declaration.property, kind, false, (collectionBase ?? columns.length) + k, undefined, target.ctor, declaration.options))
  })
  return new EntityMetadata(plan.ctor, className, tableName, idType, columns, relations, buildHookLists(className, chain))
}

/**
 * The table of a booted class: its own (`@Table({ name })` or the snake_case name), or its top-most booted
 * ancestor's. A subclass of a booted class may not carry `@Table()`: the table, its timestamp names and
 * `audit` are the root's, and one table cannot have two of them.
 */
function hierarchyTableName(ctor: AnyClass, root: AnyClass, chain: readonly AnyClass[]): string {
  if (root !== ctor) {
    for (const klass of chain.slice(0, chain.indexOf(root))) {
      if (ownTableDeclaration(klass)) throw BootError.tableOnSubclass(klass.name, root.name)
    }
  }
  return ownTableDeclaration(root)?.name ?? toSnakeCase(root.name)
}

/** The class and its ancestors up to, not including, `Entity`; nearest first. */
function ancestorsBelowEntity(ctor: AnyClass, entity: AnyClass): AnyClass[] {
  const chain: AnyClass[] = []
  for (let klass: unknown = ctor; klass !== entity && typeof klass === 'function'; klass = Object.getPrototypeOf(klass)) {
    chain.push(klass as AnyClass)
  }
  return chain
}

function nearestTimestampNames(chain: readonly AnyClass[]): { createdAt?: string; updatedAt?: string; deletedAt?: string } {
  for (const klass of chain) {
    const columns = ownTableDeclaration(klass)?.columns
    if (columns) return columns
  }
  return {}
}

/** Whether the nearest `@Table()` of the chain that says anything about `audit` turns it on. */
function isAudited(chain: readonly AnyClass[]): boolean {
  for (const klass of chain) {
    const audit = ownTableDeclaration(klass)?.audit
    if (audit !== undefined) return audit === true
  }
  return false
}

/**
 * The idType comes from `static ormClassSettings_` on the top-most class below `Entity` (or below a
 * built-in base such as `SoftDel`), as in MasqueradeORM; a built-in base that fixes its own idType
 * (`SoftDelUuid`) cannot be overridden.
 */
function resolveIdType(chain: readonly AnyClass[], roots: HierarchyRoots, idTypeDefault: IdType): IdType {
  const userClasses = chain.filter((klass) => !roots.builtinBases.has(klass))
  const topUserClass = userClasses[userClasses.length - 1]
  const builtin = chain.find((klass) => roots.builtinBases.has(klass))
  let idType: unknown = idTypeDefault
  const builtinSettings = builtin && ownSettings(builtin)
  if (builtinSettings) idType = builtinSettings.idType
  for (const klass of userClasses) {
    const settings = ownSettings(klass)
    if (!settings) continue
    if (klass !== topUserClass || builtinSettings) throw BootError.settingsNotOnDirectChild(klass.name)
    idType = settings.idType ?? idTypeDefault
  }
  if (!ID_TYPES.includes(idType as IdType)) throw BootError.badIdType(chain[0]?.name ?? '?', idType)
  return idType as IdType
}

function ownSettings(klass: AnyClass): { idType?: unknown } | undefined {
  if (!Object.hasOwn(klass, 'ormClassSettings_')) return undefined
  return (klass as unknown as { ormClassSettings_?: { idType?: unknown } }).ormClassSettings_
}

