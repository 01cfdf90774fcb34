import { OrmError } from './orm-error.js'

/** Thrown by `ORM.boot()` when a class cannot be mapped; the message names the class and property. */
export class BootError extends OrmError {
  static missingType(className: string, property: string): BootError {
    return new BootError(
      `${className}.${property} has no type: no 'design:type' decorator metadata was emitted for it ` +
        `(esbuild, tsx, Vite, vitest's default transform and Bun never emit it). ` +
        `Pass an explicit type, e.g. @Column({ type: 'text' }), or compile with tsc or SWC and ` +
        `'emitDecoratorMetadata': true.`,
    )
  }

  static unsupportedDesignType(className: string, property: string, typeName: string): BootError {
    return new BootError(
      `${className}.${property} has the design type ${typeName}, which veil-orm cannot map to a column. ` +
        `Pass an explicit type: @Column({ type: 'text' | 'integer' | 'bigint' | 'real' | 'boolean' | 'date' | 'json' | 'uuid' }).`,
    )
  }

  static entityTypedColumn(className: string, property: string, targetName: string): BootError {
    return new BootError(
      `${className}.${property} is typed as the entity ${targetName}; @Column() cannot store an entity. ` +
        `Use @Relation(() => ${targetName}) for a reference to another entity.`,
    )
  }

  static columnAndRelation(className: string, property: string): BootError {
    return new BootError(`${className}.${property} has both @Column() and @Relation(); keep only one of them.`)
  }

  static badRelationTarget(className: string, property: string, why: string): BootError {
    return new BootError(`@Relation() on ${className}.${property} is invalid: ${why}.`)
  }

  static missingRelationType(className: string, property: string): BootError {
    return new BootError(
      `${className}.${property} has no 'design:type' decorator metadata (esbuild, tsx, Vite, vitest's default ` +
        `transform and Bun never emit it), so veil-orm cannot tell a to-one from a to-many relation. ` +
        `Give the kind explicitly: @Relation(() => Target, { many: true }) for an array, ` +
        `@Relation(() => Target, { many: false }) for a single instance; or compile with tsc or SWC and ` +
        `'emitDecoratorMetadata': true.`,
    )
  }

  static relationKindMismatch(className: string, property: string, many: boolean): BootError {
    return new BootError(
      `${className}.${property} says { many: ${many} } but is typed as ${many ? 'a single instance' : 'an array'}. ` +
        `Type a to-many relation as Target[] with { many: true }, a to-one as Target with { many: false }.`,
    )
  }

  static badManyOption(className: string, property: string, many: unknown): BootError {
    return new BootError(
      `@Relation() on ${className}.${property} has { many: ${JSON.stringify(many)} }; use true (to-many) or false (to-one).`,
    )
  }

  static inverseNotArray(className: string, property: string): BootError {
    return new BootError(
      `${className}.${property} is an inverse view ({ inverse }) but is not typed as an array; type it as Target[] (an inverse view is always many).`,
    )
  }

  static toOneOptionOnCollection(className: string, property: string): BootError {
    return new BootError(
      `${className}.${property} is a to-many relation: 'name' and 'nullable' only apply to to-one relations ` +
        `(a to-many relation may always be empty: declare it as ${property}?: Target[] if you like, undefined means no members). ` +
        `Name its junction table with { through }.`,
    )
  }

  static throughOnToOne(className: string, property: string): BootError {
    return new BootError(
      `${className}.${property} is a to-one relation: 'through' names a junction table, which only to-many relations ` +
        `(typed as an array, or { many: true }) have. Name its foreign-key column with { name }.`,
    )
  }

  static badInverse(path: string, targetName: string, inverse: string, ownerName: string): BootError {
    return new BootError(
      `${path} is declared as the inverse of ${targetName}.${inverse}, but ${targetName} has no relation '${inverse}' ` +
        `pointing at ${ownerName}. Name a to-one or to-many @Relation of ${targetName} whose target is ${ownerName}.`,
    )
  }

  static requiredCycle(cycle: readonly string[]): BootError {
    return new BootError(
      `The required relations ${cycle.join(' -> ')} form a cycle: no row of these classes could ever be inserted first, ` +
        `or deleted. Make one of them optional with { nullable: true }.`,
    )
  }

  static badClassName(className: string): BootError {
    return new BootError(
      `Class name '${className}' is not PascalCase. Entity classes must be named like 'Account' or 'OrderItem' ` +
        `(letters and digits, starting with an upper-case letter).`,
    )
  }

  static badPropertyName(className: string, property: string): BootError {
    return new BootError(
      `${className}.${property} is not camelCase. Mapped properties must be named like 'email' or 'bornAt' ` +
        `(letters and digits, starting with a lower-case letter).`,
    )
  }

  static reservedProperty(className: string, property: string): BootError {
    return new BootError(
      `${className}.${property} is managed by veil-orm and cannot be declared with @Column(). ` +
        `Remove the decorator; every entity already has id, createdAt and updatedAt.`,
    )
  }

  static duplicateClassName(className: string): BootError {
    return new BootError(
      `Two different classes named ${className} were passed to ORM.boot(). Class names must be unique; rename one of them.`,
    )
  }

  static duplicateTable(tableName: string, first: string, second: string): BootError {
    return new BootError(
      `${first} and ${second} both map to the table "${tableName}". Give one of them another name with @Table({ name }).`,
    )
  }

  static duplicateColumn(className: string, columnName: string, first: string, second: string): BootError {
    return new BootError(
      `${className}.${first} and ${className}.${second} both map to the column "${columnName}". ` +
        `Give one of them another name with @Column({ name }).`,
    )
  }

  static notAnEntity(name: string): BootError {
    return new BootError(
      `${name} was passed to ORM.boot() but does not extend Entity. Make it extend Entity, SoftDel or SoftDelUuid.`,
    )
  }

  static badIdType(className: string, idType: unknown): BootError {
    return new BootError(
      `${className} has the idType ${JSON.stringify(idType)}; use 'INT', 'BIGINT' or 'UUID'.`,
    )
  }

  static settingsNotOnDirectChild(className: string): BootError {
    return new BootError(
      `${className} sets 'static ormClassSettings_' but does not extend Entity directly. ` +
        `Only a direct child of Entity may choose the idType; its descendants inherit it.`,
    )
  }

  static tableOnSubclass(className: string, rootName: string): BootError {
    return new BootError(
      `${className} has @Table() but ${rootName}, a booted ancestor, holds its rows: a booted hierarchy shares one table, ` +
        `named (and its timestamps and audit set) by @Table() on ${rootName}. Remove @Table() from ${className}.`,
    )
  }

  static hierarchyColumnClash(first: string, second: string, columnName: string): BootError {
    return new BootError(
      `${first} and ${second} share a table (one booted hierarchy) but map its column "${columnName}" differently ` +
        `(type or role). Give one of them another column name with @Column({ name }).`,
    )
  }

  static badOption(message: string): BootError {
    return new BootError(message)
  }

  static schemaDrift(problems: readonly string[]): BootError {
    return new BootError(`The database does not fit the classes; boot changed nothing. ${problems.join(' ')}`)
  }

  static alreadyBooted(): BootError {
    return new BootError('ORM.boot() was called while the ORM is already booted. Call ORM.close() first.')
  }
}
