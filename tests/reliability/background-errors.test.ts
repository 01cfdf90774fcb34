import { afterEach, expect, it } from 'vitest'
import { Column, Entity, ORM, UniqueConstraintError, type Logger, type OrmError } from '../../lib/index.js'
import type { PoolConfig } from 'pg'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'

class Account extends Entity {
  @Column() name: string
  @Column({ unique: true }) email: string
  constructor(name: string, email: string) {
    super()
    this.name = name
    this.email = email
  }
}

/** Lets the event loop run: scheduled flushes (setImmediate) and I/O callbacks get their turn. */
async function ticks(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** A logger that keeps what it is given, so that a test can check what reached it. */
function recordingLogger(): Logger & { readonly errors: string[]; readonly warnings: string[] } {
  const errors: string[] = []
  const warnings: string[] = []
  return { errors, warnings, error: (message) => errors.push(message), warn: (message) => warnings.push(message) }
}

/** Waits until `condition` holds (a scheduled flush on PostgreSQL takes a few network round trips). */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(condition()).toBe(true)
}

afterEach(() => {
  ORM.onError = undefined
})

/** The example of ORM.md's "A flush is all or nothing", with its own addresses for run `i`. */
async function runGuideExample(i: number, pause: () => Promise<void> = async () => undefined): Promise<void> {
  new Account('Ann', `ann${i}@example.com`)
  const dup = new Account('Dup', `ann${i}@example.com`)
  await expect(ORM.flush()).rejects.toBeInstanceOf(UniqueConstraintError)
  await pause()
  dup.email = `dup${i}@example.com`
  await ORM.flush()
}

async function expectAllWritten(runs: number): Promise<void> {
  expect(await Account.count()).toBe(2 * runs)
  expect(await Account.count({ where: { name: 'Dup' } })).toBe(runs)
}

/**
 * Boots on a pool whose connections carry an application name of their own, so that a test can end
 * them without touching the connections of other test files that share the server.
 */
async function bootOnNamedPool(db: DialectContext): Promise<string> {
  await db.boot([Account])
  await ORM.close()
  const applicationName = `veil_killed_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  await ORM.boot([Account], { postgres: { ...(db.connectionOptions().postgres as PoolConfig), application_name: applicationName } })
  return applicationName
}

/** Ends every connection of the ORM's pool from a second connection, as a database restart would. */
async function killConnections(db: DialectContext, applicationName: string): Promise<void> {
  const admin = await db.openSecondConnection()
  await admin.run(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ?',
    [applicationName],
  )
  await admin.close()
}

describeEachDialect('errors of scheduled flushes', (db) => {
  it('runs the guide example 50 times: the fix is written and no stale error reaches a caller', async () => {
    const reported: OrmError[] = []
    await db.boot([Account])
    ORM.onError = (error) => reported.push(error)
    for (let i = 0; i < 50; i++) await runGuideExample(i)
    await expectAllWritten(50)
    expect(reported).toEqual([])
  })

  it('runs the guide example 50 times with a pause between the failure and the fix', async () => {
    const reported: OrmError[] = []
    await db.boot([Account])
    ORM.onError = (error) => reported.push(error)
    for (let i = 0; i < 50; i++) await runGuideExample(i, () => ticks())
    await expectAllWritten(50)
    expect(reported).toEqual([])
  })

  it('does not retry on the scheduled tick the work that a failed explicit flush handed back', async () => {
    const reported: OrmError[] = []
    await db.boot([Account])
    ORM.onError = (error) => reported.push(error)
    new Account('Ann', 'ann@example.com')
    new Account('Dup', 'ann@example.com')
    await expect(ORM.flush()).rejects.toBeInstanceOf(UniqueConstraintError)
    await ticks(10)
    // This flush waits for any flush still running, so a retry on the scheduled tick would have reported by now.
    await expect(ORM.flush()).rejects.toBeInstanceOf(UniqueConstraintError)
    expect(reported).toEqual([])
  })

  it('clears the error of a failed scheduled flush once a later scheduled flush wrote that work', async () => {
    const reported: OrmError[] = []
    await db.boot([Account])
    new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ORM.onError = (error) => reported.push(error)
    const clash = new Account('Bob', 'ann@example.com')
    await waitUntil(() => reported.length === 1)
    expect(reported[0]).toBeInstanceOf(UniqueConstraintError)
    clash.email = 'bob@example.com'
    await waitUntil(() => clash.id !== undefined)
    expect(await Account.count()).toBe(2)
    expect(reported).toHaveLength(1)
  })

  it('rethrows the error of a failed scheduled flush to the next call only once', async () => {
    const logger = recordingLogger()
    await db.boot([Account], { logger })
    new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const clash = new Account('Bob', 'ann@example.com')
    await waitUntil(() => logger.errors.length === 1)
    const error = await Account.count().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(UniqueConstraintError)
    clash.email = 'bob@example.com'
    expect(await Account.count()).toBe(2)
  })

  it('logs the error of a failed scheduled flush through logger when no ORM.onError is set', async () => {
    const logger = recordingLogger()
    await db.boot([Account], { logger })
    new Account('Ann', 'ann@example.com')
    await ORM.flush()
    new Account('Bob', 'ann@example.com')
    await waitUntil(() => logger.errors.length === 1)
    expect(logger.errors[0]).toContain('Account.email')
    expect(logger.errors[0]).toContain('scheduled flush')
    await expect(ORM.flush()).rejects.toBeInstanceOf(UniqueConstraintError)
  })

  it('does not log the error of a failed scheduled flush when ORM.onError receives it', async () => {
    const logger = recordingLogger()
    const reported: OrmError[] = []
    await db.boot([Account], { logger })
    ORM.onError = (error) => reported.push(error)
    new Account('Ann', 'ann@example.com')
    await ORM.flush()
    new Account('Bob', 'ann@example.com')
    await waitUntil(() => reported.length === 1)
    expect(logger.errors).toEqual([])
  })
})

describeEachDialect(
  'errors of scheduled flushes after killed connections',
  (db) => {
    it('writes a flush that failed on killed connections exactly once, and runs the guide example 50 times after', async () => {
      const reported: OrmError[] = []
      const applicationName = await bootOnNamedPool(db)
      ORM.onError = (error) => reported.push(error)
      new Account('Warm', 'warm@example.com')
      await ORM.flush()
      await killConnections(db, applicationName)
      new Account('Eve', 'eve@example.com')
      // The pool may hand out a connection it has not yet seen die: then this flush fails and keeps its work.
      await ORM.flush().catch(() => undefined)
      await ORM.flush()
      expect(await Account.count({ where: { name: 'Eve' } })).toBe(1)
      await killConnections(db, applicationName)
      await ticks(20)
      for (let i = 0; i < 50; i++) {
        await runGuideExample(i, async () => {
          if (i % 10 === 0) await killConnections(db, applicationName)
        }).catch(async (error: unknown) => {
          // A connection killed under the flush that writes the fix: that flush keeps its work, the next one writes it.
          expect((error as Error).name).toBe('ConnectionError')
          await ORM.flush()
        })
      }
      expect(await Account.count({ where: { name: 'Dup' } })).toBe(50)
      expect(await Account.count()).toBe(102)
      expect(reported.filter((error) => error instanceof UniqueConstraintError)).toEqual([])
    })
  },
  ['postgres'],
)
