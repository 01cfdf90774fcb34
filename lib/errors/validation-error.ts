import { OrmError } from './orm-error.js'
import type { PendingInstance } from './pending-instance.js'

/**
 * Thrown before any SQL runs when a query or a value does not fit the mapped class. Raised by a flush
 * for one instance (a missing required value, a value of the wrong type), it carries that instance.
 *
 * ```ts
 * try {
 *   await ORM.flush()
 * } catch (error) {
 *   if (error instanceof ValidationError && error.instance) await error.instance.discard()
 * }
 * ```
 */
export class ValidationError extends OrmError {
  constructor(message: string, options?: { cause?: unknown; instance?: PendingInstance }) {
    super(message, options)
    this.instance = options?.instance
  }

  /**
   * The instance a flush refused, whose pending insert or change is pending again: fix it, or drop it
   * with `discard()`. Undefined when the error is not about one instance (a query, an option).
   */
  readonly instance: PendingInstance | undefined

  /** The same error, about `instance`: what a flush throws when planning that instance's write failed. */
  static aboutInstance(error: ValidationError, instance: PendingInstance): ValidationError {
    const about = new ValidationError(error.message, { cause: error.cause, instance })
    about.stack = error.stack
    return about
  }

  static unknownProperty(className: string, key: string, known: readonly string[]): ValidationError {
    return new ValidationError(
      `${className} has no mapped property '${key}'. Mapped properties: ${known.join(', ')}.`,
    )
  }

  static wrongType(where: string, expected: string, value: unknown): ValidationError {
    return new ValidationError(
      `${where} expects ${expected} but got ${describeValue(value)}. Pass a value of the right type.`,
    )
  }

  static required(className: string, property: string, row: string): ValidationError {
    return new ValidationError(
      `${className}.${property} is required but is undefined on ${row}. ` +
        `Set it (in the constructor, before any await) or declare @Column({ nullable: true }).`,
    )
  }

  static unknownRelation(className: string, key: string, known: readonly string[]): ValidationError {
    return new ValidationError(
      `${className} has no relation '${key}'. ${known.length > 0 ? `Its relations: ${known.join(', ')}.` : 'It declares no @Relation properties.'}`,
    )
  }

  static undefinedInWhere(className: string, key: string): ValidationError {
    return new ValidationError(
      `The where value for ${className}.${key} is undefined. Use null to match NULL, or leave the key out.`,
    )
  }

  static readOnly(className: string, property: string): ValidationError {
    return new ValidationError(
      `${className}.${property} is set by veil-orm and cannot be assigned.`,
    )
  }

  static detachedTarget(path: string, row: string, target: string): ValidationError {
    return new ValidationError(
      `${path} on ${row} points at ${target}, which was deleted or is detached. Assign a persisted or new instance instead.`,
    )
  }

  static unsavedTarget(path: string, row: string, targetClass: string): ValidationError {
    return new ValidationError(
      `${path} on ${row} points at a new ${targetClass} that this flush does not insert (it belongs to another ` +
        `transaction scope). Save the ${targetClass} first, or create it in the same scope.`,
    )
  }

  static badOption(message: string): ValidationError {
    return new ValidationError(message)
  }
}

/** @internal Renders a value for an error message without dumping large objects. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  if (typeof value === 'bigint') return `the bigint ${value}n`
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${value}`
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  const name = (value as { constructor?: { name?: string } }).constructor?.name
  return name && name !== 'Object' ? `a ${name} object` : 'a plain object'
}
