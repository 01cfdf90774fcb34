import 'reflect-metadata'
import { BootError } from '../errors/boot-error.js'
import { isCamelCase, isPascalCase, toSnakeCase } from '../util/naming.js'
import { COLUMN_TYPES, ID_TYPES, columnTypeFromDesignType, type ColumnType, type IdType } from './column-type.js'
import { ownColumnDeclarations, ownTableDeclaration, type ColumnDeclaration } from './declarations.js'
import { EntityMetadata, type ColumnMetadata } from './entity-metadata.js'
import { MetadataRegistry } from './metadata-registry.js'

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
): MetadataRegistry {
  const seenNames = new Map<string, AnyClass>()
  const seenTables = new Map<string, string>()
  const entities: EntityMetadata[] = []
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

    const meta = buildEntityMetadata(ctor, roots, idTypeDefault)
    const owner = seenTables.get(meta.tableName)
    if (owner) throw BootError.duplicateTable(meta.tableName, owner, className)
    seenTables.set(meta.tableName, className)
    entities.push(meta)
  }
  return new MetadataRegistry(entities)
}

function buildEntityMetadata(ctor: AnyClass, roots: HierarchyRoots, idTypeDefault: IdType): EntityMetadata {
  const className = ctor.name
  const chain = ancestorsBelowEntity(ctor, roots.entity)
  const tableOptions = ownTableDeclaration(ctor)
  const timestampNames = nearestTimestampNames(chain)
  const tableName = tableOptions?.name ?? toSnakeCase(className)

  const columns: ColumnMetadata[] = []
  const usedColumnNames = new Map<string, string>()
  const addColumn = (column: Omit<ColumnMetadata, 'index' | 'uniqueIndexName'>): void => {
    const taken = usedColumnNames.get(column.name)
    if (taken) throw BootError.duplicateColumn(className, column.name, taken, column.property)
    usedColumnNames.set(column.name, column.property)
    const uniqueIndexName = column.unique ? indexName(tableName, column.name, 'key') : undefined
    columns.push({ ...column, index: columns.length, uniqueIndexName })
  }

  const idType = resolveIdType(chain, roots, idTypeDefault)
  addColumn({ property: 'id', name: 'id', type: idType === 'UUID' ? 'uuid' : idType === 'BIGINT' ? 'bigint' : 'integer', nullable: false, unique: false, role: 'id' })
  addColumn({ property: 'createdAt', name: timestampNames.createdAt ?? 'created_at', type: 'date', nullable: false, unique: false, role: 'createdAt' })
  addColumn({ property: 'updatedAt', name: timestampNames.updatedAt ?? 'updated_at', type: 'date', nullable: false, unique: false, role: 'updatedAt' })

  const seenProperties = new Set<string>()
  for (const klass of [...chain].reverse()) {
    for (const declaration of ownColumnDeclarations(klass.prototype)) {
      if (seenProperties.has(declaration.property)) continue
      seenProperties.add(declaration.property)
      addColumn(resolveColumn(className, declaration, roots.entity))
    }
  }
  return new EntityMetadata(ctor, className, tableName, idType, columns)
}

/** The class and its ancestors up to, not including, `Entity`; nearest first. */
function ancestorsBelowEntity(ctor: AnyClass, entity: AnyClass): AnyClass[] {
  const chain: AnyClass[] = []
  for (let klass: unknown = ctor; klass !== entity && typeof klass === 'function'; klass = Object.getPrototypeOf(klass)) {
    chain.push(klass as AnyClass)
  }
  return chain
}

function nearestTimestampNames(chain: readonly AnyClass[]): { createdAt?: string; updatedAt?: string } {
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
): Omit<ColumnMetadata, 'index' | 'uniqueIndexName'> {
  const { property, options } = declaration
  if (RESERVED_PROPERTIES.has(property)) throw BootError.reservedProperty(className, property)
  if (!isCamelCase(property)) throw BootError.badPropertyName(className, property)
  return {
    property,
    name: options.name ?? toSnakeCase(property),
    type: resolveColumnType(className, declaration, entity),
    nullable: options.nullable ?? false,
    unique: options.unique ?? false,
    role: 'user',
  }
}

function resolveColumnType(className: string, declaration: ColumnDeclaration, entity: AnyClass): ColumnType {
  const { property, options, prototype } = declaration
  if (options.type !== undefined) {
    if (!COLUMN_TYPES.includes(options.type)) {
      throw BootError.badOption(
        `${className}.${property} has the unknown column type ${JSON.stringify(options.type)}; use one of ${COLUMN_TYPES.join(', ')}.`,
      )
    }
    return options.type
  }
  const designType: unknown = Reflect.getMetadata('design:type', prototype, property)
  if (designType === undefined) throw BootError.missingType(className, property)
  const inferred = columnTypeFromDesignType(designType)
  // Object covers interfaces and object literals, but also un-annotated initializers such as
  // `count = 0`: ORM.md warns about that trap, and the issue settles Object -> json.
  if (inferred) return inferred
  const typeName = typeof designType === 'function' ? designType.name : String(designType)
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
