import { expect, it } from 'vitest'
import { ORM } from '../../lib/index.js'
import { runChild } from '../support/child-process.js'
import { describeEachDialect } from '../support/dialects.js'

const CHILD = 'tests/reliability/children/collectable.ts'
// A child process starts in about 1.5 s, far longer on a loaded machine.
const CHILD_TIMEOUT = 120_000
const COUNT = 20_000

describeEachDialect(
  'instances the caller drops',
  (db) => {
    it(
      'are collected once flushed, inserted or loaded, while the one it keeps stays the identity-mapped instance',
      async () => {
        // The parent creates the database (a schema of its own on PostgreSQL); the child boots on it.
        await db.boot([])
        await ORM.close()
        const env = { VEIL_BOOT_OPTIONS: JSON.stringify(db.connectionOptions()), VEIL_COUNT: String(COUNT), NODE_OPTIONS: '--expose-gc' }
        const result = await runChild(CHILD, [], env)
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
        const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>
        // Only the instance the child keeps survives: the identity map holds the others weakly.
        expect(report).toEqual({ insertedAlive: 1, loaded: COUNT, loadedAlive: 1, sameInstance: true })
      },
      CHILD_TIMEOUT,
    )
  },
  ['sqlite-file', 'postgres'],
)
