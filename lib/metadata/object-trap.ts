import type { ColumnMetadata } from './entity-metadata.js'

/**
 * @internal Watches a json column whose type came from the design type `Object` (ORM.md's "Object
 * trap": `@Column() count = 0` has no type annotation, so TypeScript emits Object). The first value
 * written decides, once per boot: a number, string or boolean gets one warning naming the fix.
 */
export class ObjectTrap {
  #isChecked = false

  constructor(
    readonly className: string,
    readonly property: string,
    readonly warn: (message: string) => void,
  ) {}

  /** Called with each value written to the column; only the first one is looked at. */
  check(value: unknown): void {
    if (this.#isChecked) return
    this.#isChecked = true
    const kind = typeof value
    if (kind !== 'number' && kind !== 'string' && kind !== 'boolean') return
    const { className, property } = this
    const [tsType, columnType] =
      kind === 'number' ? ['number', Number.isInteger(value) ? 'integer' : 'real'] : kind === 'string' ? ['string', 'text'] : ['boolean', 'boolean']
    this.warn(
      `veil-orm: ${className}.${property} is a json column because its design type is Object (an initializer without a ` +
        `type annotation, such as ${property} = ${JSON.stringify(value)}), and its first value written is a ${kind}. ` +
        `If it holds a ${kind}, annotate the type (${property}: ${tsType} = ...) or pass @Column({ type: '${columnType}' }); ` +
        'existing rows keep their json column until you migrate it.',
    )
  }
}

/** @internal Why a column is json, for messages: ' (type: 'json')', ' because its design type is Object (...)'. */
export function jsonReason(column: ColumnMetadata): string {
  if (column.designType === undefined) return ` (declared with type: 'json')`
  if (column.designType === 'Object') {
    return (
      ' because its design type is Object (an interface or object type, or an initializer without a type annotation ' +
      `such as ${column.property} = 0: annotate the type or pass @Column({ type }) if it holds a number, string or boolean)`
    )
  }
  if (column.designType === 'Array') return ' because its design type is Array'
  return ''
}
