import Database from 'better-sqlite3'
import { afterEach } from 'vitest'
import { ORM, type BootOptions, type EntityClass } from '../../lib/index.js'
import type { DialectContext } from '../support/dialects.js'

const handles: Database.Database[] = []

afterEach(() => {
  for (const handle of handles.splice(0)) handle.close()
})

/**
 * Boots `classes` on an empty database and returns a reboot (of `next`, by default the same classes) onto
 * the same database (with `extra` boot options): a fresh identity map, so that reads hydrate anew. On sqlite-memory the ORM is booted on a handle the test keeps.
 */
export async function bootWithReboot(
  db: DialectContext,
  classes: readonly EntityClass[],
): Promise<(next?: readonly EntityClass[], extra?: BootOptions) => Promise<void>> {
  let options: BootOptions
  if (db.name === 'sqlite-memory') {
    const handle = new Database(':memory:')
    handles.push(handle)
    options = { sqlite: handle }
    await db.boot(classes, options)
  } else {
    await db.boot(classes)
    options = db.connectionOptions()
  }
  return async (next = classes, extra = {}) => {
    await ORM.close()
    await ORM.boot(next, { ...options, ...extra })
  }
}
