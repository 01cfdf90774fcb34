import { BootError } from '../errors/boot-error.js'
import { declareColumn, declareTable, type ColumnOptions, type TableOptions } from './declarations.js'

function refuseStandardDecorators(name: string, key: unknown): void {
  if (typeof key === 'object' && key !== null && 'kind' in key) {
    throw new BootError(
      `@${name}() was applied as a TC39 standard decorator. veil-orm needs TypeScript's ` +
        `"experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json.`,
    )
  }
}

/**
 * Marks a property as a persisted column.
 *
 * ```ts
 * class Account extends Entity {
 *   @Column({ unique: true }) email: string
 * }
 * ```
 */
export function Column(options: ColumnOptions = {}): PropertyDecorator {
  return (prototype: object, key: string | symbol) => {
    refuseStandardDecorators('Column', key)
    if (typeof key === 'symbol') {
      throw new BootError(`@Column() cannot decorate the symbol property ${String(key)}; use a string name.`)
    }
    declareColumn({ prototype, property: key, options })
  }
}

/**
 * Sets the table name of a class, or the names of its built-in timestamp columns.
 *
 * ```ts
 * @Table({ name: 'users', columns: { createdAt: 'created_on' } })
 * class User extends Entity {}
 * ```
 */
export function Table(options: TableOptions): ClassDecorator {
  const decorate = (ctor: object, context?: unknown): void => {
    refuseStandardDecorators('Table', context)
    declareTable(ctor, options)
  }
  return decorate as ClassDecorator
}
