/** Converts a PascalCase or camelCase identifier to snake_case: `OrderItem` -> `order_item`, `bornAt` -> `born_at`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
}

/** Tells whether a class name follows the PascalCase rule (`Account`, `OrderItem2`). */
export function isPascalCase(name: string): boolean {
  return /^[A-Z][A-Za-z0-9]*$/.test(name)
}

/** Tells whether a property name follows the camelCase rule (`email`, `bornAt`). */
export function isCamelCase(name: string): boolean {
  return /^[a-z][A-Za-z0-9]*$/.test(name)
}
