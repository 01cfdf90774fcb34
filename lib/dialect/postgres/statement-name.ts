import { createHash } from 'node:crypto'

/** @internal A prepared statement name that only this text gets, in every boot and every process. */
export function statementName(text: string): string {
  // A counter would restart at each boot while the server connections of a pool passed in keep the
  // statements the earlier boot prepared under the same names.
  return `veil_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`
}
