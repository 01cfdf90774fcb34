/**
 * @internal Wraps the items of a to-many relation in an array whose every change (push, splice,
 * index assignment, length change) calls `onChange`, so that the owner is marked dirty. The items are
 * copied: an array the caller still holds is not the one the ORM watches.
 */
export function trackedArray<T>(items: Iterable<T>, onChange: () => void): T[] {
  return new Proxy(Array.from(items), {
    set(target, key, value) {
      ;(target as unknown as Record<PropertyKey, unknown>)[key] = value
      onChange()
      return true
    },
    deleteProperty(target, key) {
      delete (target as unknown as Record<PropertyKey, unknown>)[key]
      onChange()
      return true
    },
  })
}
