import 'reflect-metadata'
import { BootError } from '../errors/boot-error.js'
import { isCamelCase, isPascalCase, toSnakeCase } from '../util/naming.js'
import { COLUMN_TYPES, ID_TYPES, columnTypeFromDesignType, type ColumnType, type IdType } from './column-type.js'
import {
  ownColumnDeclarations,
  ownRelationDeclarations,
  ownTableDeclaration,
  type ColumnDeclaration,
  type RelationDeclaration,
} from './declarations.js'
import { EntityMetadata, type ColumnMetadata } from './entity-metadata.js'
import { MetadataRegistry } from './metadata-registry.js'
import { ObjectTrap } from './object-trap.js'
import { RelationMetadata } from './relation-metadata.js'

type AnyClass = abstract new (...args: never[]) => object

/** @internal What the metadata builder needs to know about the entity hierarchy. */
export interface HierarchyRoots {
  /** The `Entity` base class. */
  readonly entity: AnyClass
  /** Built-in abstract bases (such as `SoftDel`): accepted by boot, never given a table. */
  readonly builtinBases: ReadonlySet<AnyClass>
}

const RESERVED_PROPERTIES = new Set(['id', 'createdAt', 'updatedAt', 'deletedAt', 'isDeleted'])
const MAX_IDENTIFIER_LENGTH = 63

/**
 * @internal Validates the classes given to `ORM.boot()` and resolves their tables and columns.
 * Every mistake is a `BootError` naming the class and property.
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
    const tableName = ownTableDeclaration(ctor)?.name ?? toSnakeCase(className)
    const owner = seenTables.get(tableName)
    if (owner) throw BootError.duplicateTable(tableName, owner, className)
    seenTables.set(tableName, className)
    plans.push({ ctor, className, chain, tableName, idType: resolveIdType(chain, roots, idTypeDefault) })
  }
  // Relations need every class's table and id type (a foreign key has its target's id type), so
  // classes are planned first and built second.
  const planByCtor = new Map(plans.map((plan) => [plan.ctor as object, plan]))
  const entities = plans.map((plan) => buildEntityMetadata(plan, roots, planByCtor, warn))
  linkRelations(entities, seenTables)
  return new MetadataRegistry(entities)
}

/** What is known about a class before its columns are resolved. */
interface ClassPlan {
  readonly ctor: AnyClass
  readonly className: string
  /** The class and its ancestors below Entity, nearest first. */
  readonly chain: readonly AnyClass[]
  readonly tableName: string
  readonly idType: IdType
}

function idColumnType(idType: IdType): ColumnType {
  return idType === 'UUID' ? 'uuid' : idType === 'BIGINT' ? 'bigint' : 'integer'
}

function buildEntityMetadata(
  plan: ClassPlan,
  roots: HierarchyRoots,
  planByCtor: ReadonlyMap<object, ClassPlan>,
  warn: ((message: string) => void) | undefined,
): EntityMetadata {
  const { className, chain, tableName, idType } = plan
  const timestampNames = nearestTimestampNames(chain)

  const columns: ColumnMetadata[] = []
  const usedColumnNames = new Map<string, string>()
  const addColumn = (column: Omit<ColumnMetadata, 'index' | 'uniqueIndexName'>): ColumnMetadata => {
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
  if (chain.some((klass) => roots.builtinBases.has(klass))) {
    // Every built-in base is soft-deletable: one nullable timestamp is the whole state, isDeleted derives from it.
    const name = timestampNames.deletedAt ?? 'deleted_at'
    addColumn({ property: 'deletedAt', name, type: 'date', nullable: true, unique: false, role: 'deletedAt', lookupIndexName: indexName(tableName, name, 'idx') })
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
    relations.push(new RelationMetadata(declaration.property, kind, false, columns.length + k, undefined, target.ctor, declaration.options))
  })
  return new EntityMetadata(plan.ctor, className, tableName, idType, columns, relations)
}

function resolveRelationTarget(
  className: string,
  declaration: RelationDeclaration,
  planByCtor: ReadonlyMap<object, ClassPlan>,
): ClassPlan {
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

function relationKind(className: string, declaration: RelationDeclaration): 'toOne' | 'toMany' | 'inverse' {
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

/** Connects every relation to its target's metadata, its junction table or the relation it mirrors. */
function linkRelations(entities: readonly EntityMetadata[], tables: Map<string, string>): void {
  const byCtor = new Map(entities.map((meta) => [meta.ctor as object, meta]))
  for (const owner of entities) {
    for (const relation of owner.relations) {
      relation.owner = owner
      relation.target = byCtor.get(relation.targetClass) as EntityMetadata
      if (relation.kind !== 'toMany') continue
      const target = relation.target
      const tableName = relation.options.through ?? `${owner.tableName}_${toSnakeCase(relation.property)}`
      const taken = tables.get(tableName)
      if (taken) throw BootError.duplicateTable(tableName, taken, relation.path)
      tables.set(tableName, relation.path)
      const ownerColumn = `${owner.tableName}_id`
      let targetColumn = `${target.tableName}_id`
      // A to-many relation to its own class: the second column is named after the property.
      if (targetColumn === ownerColumn) targetColumn = `${toSnakeCase(relation.property)}_id`
      if (targetColumn === ownerColumn) targetColumn = `${toSnakeCase(relation.property)}_target_id`
      relation.junction = {
        tableName,
        ownerColumn,
        targetColumn,
        ownerType: owner.idColumn.type,
        targetType: target.idColumn.type,
        targetIndexName: indexName(tableName, targetColumn, 'idx'),
        owner,
        target,
      }
    }
  }
  for (const owner of entities) {
    for (const relation of owner.relations) {
      if (relation.kind !== 'inverse') continue
      const mirrored = relation.target.relationsByProperty.get(relation.options.inverse as string)
      if (!mirrored || mirrored.kind === 'inverse' || mirrored.target !== owner) {
        throw BootError.badInverse(relation.path, relation.target.className, relation.options.inverse as string, owner.className)
      }
      relation.mirrored = mirrored
    }
  }
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

function resolveColumn(
  className: string,
  declaration: ColumnDeclaration,
  entity: AnyClass,
  warn: ((message: string) => void) | undefined,
): Omit<ColumnMetadata, 'index' | 'uniqueIndexName'> {
  const { property, options } = declaration
  checkPropertyName(className, property)
  if (options.version === true) return resolveVersionColumn(className, declaration)
  if (options.version !== undefined && options.version !== false) {
    throw BootError.badOption(`${className}.${property} has version: ${JSON.stringify(options.version)}; use version: true or leave it out.`)
  }
  const { type, designType } = resolveColumnType(className, declaration, entity)
  const isObjectTrap = type === 'json' && designType === 'Object' && warn !== undefined
  return {
    property,
    name: options.name ?? toSnakeCase(property),
    type,
    nullable: options.nullable ?? false,
    unique: options.unique ?? false,
    role: 'user',
    designType,
    objectTrap: isObjectTrap ? new ObjectTrap(className, property, warn) : undefined,
  }
}

/** `@Column({ version: true }) version: number`: an integer, NOT NULL, never unique. */
function resolveVersionColumn(className: string, declaration: ColumnDeclaration): Omit<ColumnMetadata, 'index' | 'uniqueIndexName'> {
  const { property, options } = declaration
  const designType: unknown = Reflect.getMetadata('design:type', declaration.prototype, property)
  const isNumber = options.type === undefined ? designType === Number : options.type === 'integer'
  if (!isNumber || options.nullable === true || options.unique === true) {
    throw BootError.badOption(
      `${className}.${property} is a version column: declare it as @Column({ version: true }) ${property}: number ` +
        '(an integer, not nullable, not unique).',
    )
  }
  return { property, name: options.name ?? toSnakeCase(property), type: 'integer', nullable: false, unique: false, role: 'version' }
}

function checkPropertyName(className: string, property: string): void {
  if (RESERVED_PROPERTIES.has(property)) throw BootError.reservedProperty(className, property)
  if (!isCamelCase(property)) throw BootError.badPropertyName(className, property)
}

/** The column type, and the design type's name when the type came from it (no `type` option). */
function resolveColumnType(className: string, declaration: ColumnDeclaration, entity: AnyClass): { type: ColumnType; designType?: string } {
  const { property, options, prototype } = declaration
  if (options.type !== undefined) {
    if (!COLUMN_TYPES.includes(options.type)) {
      throw BootError.badOption(
        `${className}.${property} has the unknown column type ${JSON.stringify(options.type)}; use one of ${COLUMN_TYPES.join(', ')}.`,
      )
    }
    return { type: options.type }
  }
  const designType: unknown = Reflect.getMetadata('design:type', prototype, property)
  if (designType === undefined) throw BootError.missingType(className, property)
  const inferred = columnTypeFromDesignType(designType)
  // Object covers interfaces and object literals, but also un-annotated initializers such as
  // `count = 0`: ORM.md warns about that trap, and the issue settles Object -> json.
  const typeName = typeof designType === 'function' ? designType.name : String(designType)
  if (inferred) return { type: inferred, designType: typeName }
  if (typeof designType === 'function' && designType.prototype instanceof entity) {
    throw BootError.entityTypedColumn(className, property, typeName)
  }
  throw BootError.unsupportedDesignType(className, property, typeName)
}

/** Builds an index name that fits PostgreSQL's 63-byte identifier limit. */
export function indexName(table: string, column: string, suffix: string): string {
  const name = `${table}_${column}_${suffix}`
  if (name.length <= MAX_IDENTIFIER_LENGTH) return name
  let hash = 0
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return `${name.slice(0, MAX_IDENTIFIER_LENGTH - 9)}_${hash.toString(36).padStart(8, '0').slice(0, 8)}`
}
