import 'reflect-metadata'
import { BootError } from '../errors/boot-error.js'
import { isCamelCase, toSnakeCase } from '../util/naming.js'
import { COLUMN_TYPES, columnTypeFromDesignType, type ColumnType } from './column-type.js'
import type { ColumnDeclaration } from './declarations.js'
import type { ColumnMetadata } from './entity-metadata.js'
import { ObjectTrap } from './object-trap.js'

type AnyClass = abstract new (...args: never[]) => object

/** @internal A column before the builder gives it its position and unique index name. */
export type ColumnDraft = Omit<ColumnMetadata, 'index' | 'uniqueIndexName'>

/** Properties that every entity has built in: a user column or relation may not take their names. */
const RESERVED_PROPERTIES = new Set(['id', 'createdAt', 'updatedAt', 'deletedAt', 'isDeleted'])

/**
 * @internal Validates one `@Column()` declaration and resolves its name, type and flags; a mistake is a
 * `BootError` naming the class and property.
 */
export function resolveColumn(
  className: string,
  declaration: ColumnDeclaration,
  entity: AnyClass,
  warn: ((message: string) => void) | undefined,
): ColumnDraft {
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
function resolveVersionColumn(className: string, declaration: ColumnDeclaration): ColumnDraft {
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

/** @internal Refuses a reserved or non-camelCase property name. */
export function checkPropertyName(className: string, property: string): void {
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

