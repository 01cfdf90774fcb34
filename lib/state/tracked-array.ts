/**
 * @internal Wraps the items of a to-many relation in an array whose every change (push, splice,
 * index assignment, length change) calls `onChange`, so that the owner is marked dirty. The items are
 * copied: an array the caller still holds is not the one the ORM watches.
 */
export function trackedArray<T>(items: Iterable<T>, onChange: () => void): T[] {
  return new Proxy(Array.from(items), {
    // onChange runs first: a transaction journals the items as they were before the change.
    set(target, key, value) {
      onChange()
      ;(target as unknown as Record<PropertyKey, unknown>)[key] = value
      return true
    },
    deleteProperty(target, key) {
      onChange()
      delete (target as unknown as Record<PropertyKey, unknown>)[key]
      return true
    },
  })
}
