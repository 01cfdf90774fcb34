import type { EntityState } from '../state/entity-state.js'

/**
 * @internal How messages name a row: `Story #4`, or a new one by its first set values,
 * `a new Story (title: "Hello")`, so that the instance a flush error is about can be told apart.
 */
export function describeRow(state: EntityState): string {
  const row = state.meta.describeRow(state.values[0])
  if (state.values[0] !== undefined) return row
  const shown: string[] = []
  for (const column of state.meta.columns) {
    const value = state.values[column.index]
    if (column.role !== 'user' || value === undefined || shown.length === 3) continue
    shown.push(`${column.property}: ${typeof value === 'string' ? JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value) : typeof value === 'object' && value !== null ? '…' : String(value)}`)
  }
  return shown.length > 0 ? `${row} (${shown.join(', ')})` : row
}
