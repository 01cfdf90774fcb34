import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import {
  Column,
  Entity,
  NotBootedError,
  ORM,
  Relation,
  UniqueConstraintError,
  type BootOptions,
  type EntityClass,
  type Logger,
} from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'

class Tag extends Entity {
  @Column() label: string
  constructor(label: string) {
    super()
    this.label = label
  }
}

class Account extends Entity {
  @Column() name: string
  @Column({ unique: true }) email: string
  @Relation(() => Tag) tags: Tag[] = []
  constructor(name: string, email: string) {
    super()
    this.name = name
    this.email = email
  }
}

const memoryDatabases: Database.Database[] = []

afterEach(() => {
  for (const database of memoryDatabases.splice(0)) database.close()
})

/** A logger that keeps its warnings. */
function recordingLogger(): Logger & { readonly warnings: string[] } {
  const warnings: string[] = []
  return { warnings, warn: (message) => warnings.push(message) }
}

/**
 * Boots on a database that outlives ORM.close() (on sqlite-memory, a handle the test keeps open) and
 * returns a function that boots again on it, to see what close() wrote.
 */
async function bootDurable(db: DialectContext, options: BootOptions = {}): Promise<() => Promise<void>> {
  const classes: readonly EntityClass[] = [Tag, Account]
  const memory = db.name === 'sqlite-memory' ? new Database(':memory:') : undefined
  if (memory) memoryDatabases.push(memory)
  await db.boot(classes, { ...options, ...(memory ? { sqlite: memory } : {}) })
  return () => ORM.boot(classes, memory ? { sqlite: memory } : db.connectionOptions())
}

async function emails(): Promise<string[]> {
  return (await Account.find({ orderBy: { email: 'asc' } })).map((account) => account.email)
}

describeEachDialect('ORM.close()', (db) => {
  it('writes every change made before it was called', async () => {
    const reboot = await bootDurable(db)
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ann.email = 'annie@example.com'
    new Account('Bob', 'bob@example.com')
    await ORM.close()
    await reboot()
    expect(await emails()).toEqual(['annie@example.com', 'bob@example.com'])
  })

  it('refuses an assignment made while its final flush runs with NotBootedError, and writes what came before', async () => {
    const reboot = await bootDurable(db)
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ann.name = 'Annie'
    const closed = ORM.close()
    expect(() => {
      ann.email = 'late@example.com'
    }).toThrow(NotBootedError)
    expect(() => {
      ann.name = 'Late'
    }).toThrow(/ORM\.close\(\) was called/)
    await closed
    await reboot()
    const [loaded] = await Account.find()
    expect(loaded?.name).toBe('Annie')
    expect(loaded?.email).toBe('ann@example.com')
  })

  it('refuses an assignment to a never-flushed instance while it runs, and inserts the instance as it was', async () => {
    const reboot = await bootDurable(db)
    const bob = new Account('Bob', 'bob@example.com')
    const closed = ORM.close()
    expect(() => {
      bob.name = 'Late'
    }).toThrow(NotBootedError)
    await closed
    await reboot()
    expect((await Account.find()).map((account) => account.name)).toEqual(['Bob'])
  })

  it('refuses an assignment after it resolved with NotBootedError', async () => {
    await bootDurable(db)
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.close()
    expect(() => {
      ann.name = 'Annie'
    }).toThrow(NotBootedError)
  })

  it('refuses a change to a to-many relation while it runs with NotBootedError', async () => {
    const reboot = await bootDurable(db)
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const tags = ann.tags
    const closed = ORM.close()
    expect(() => tags.push(new Tag('late'))).toThrow(NotBootedError)
    expect(() => tags.push(undefined as unknown as Tag)).toThrow(NotBootedError)
    await closed
    await reboot()
    expect(await Tag.count()).toBe(0)
  })

  it('lets a transaction in progress commit the changes made before it was called', async () => {
    const reboot = await bootDurable(db)
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    let release: () => void = () => undefined
    let entered: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const inside = new Promise<void>((resolve) => (entered = resolve))
    const transaction = ORM.transaction(async () => {
      ann.name = 'Annie'
      entered()
      await gate
    })
    await inside
    const closed = ORM.close()
    release()
    await transaction
    await closed
    await reboot()
    expect((await Account.find()).map((account) => account.name)).toEqual(['Annie'])
  })

  it('refuses entity calls while it runs with NotBootedError', async () => {
    await bootDurable(db)
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const closed = ORM.close()
    expect(() => new Account('Bob', 'bob@example.com')).toThrow(NotBootedError)
    await expect(ann.save()).rejects.toBeInstanceOf(NotBootedError)
    await expect(ann.delete()).rejects.toBeInstanceOf(NotBootedError)
    await expect(Account.find()).rejects.toBeInstanceOf(NotBootedError)
    await expect(ORM.flush()).rejects.toBeInstanceOf(NotBootedError)
    await expect(ORM.transaction(() => undefined)).rejects.toBeInstanceOf(NotBootedError)
    await closed
  })

  it('rejects with the final flush error, says nothing was written, and leaves the ORM open to fix and close again', async () => {
    const reboot = await bootDurable(db, { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    const dup = new Account('Dup', 'ann@example.com')
    const error = await ORM.close().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(UniqueConstraintError)
    expect((error as Error).message).toContain('ORM.close() wrote none of the pending changes and left the ORM open')
    expect(ORM.dialect).toBe(db.isPostgres ? 'postgres' : 'sqlite')
    dup.email = 'dup@example.com'
    await ORM.close()
    await reboot()
    expect(await emails()).toEqual(['ann@example.com', 'dup@example.com'])
  })

  it('with discardPending: true closes without writing and resolves with the number of instances it discarded', async () => {
    const logger = recordingLogger()
    const reboot = await bootDurable(db, { autoFlush: false, logger })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ann.name = 'Annie'
    new Account('Dup', 'ann@example.com')
    expect(await ORM.close({ discardPending: true })).toBe(2)
    expect(logger.warnings.filter((warning) => warning.includes('discarded'))).toEqual([
      'ORM.close({ discardPending: true }) discarded the pending inserts or changes of 2 instance(s); they were not written.',
    ])
    await reboot()
    const rows = await Account.find()
    expect(rows.map((row) => [row.name, row.email])).toEqual([['Ann', 'ann@example.com']])
  })

  it('lets boot() called while it runs wait for it, and a second close() join it', async () => {
    const reboot = await bootDurable(db)
    new Account('Ann', 'ann@example.com')
    const closed = ORM.close()
    expect(ORM.close()).toBe(closed)
    await reboot()
    expect(await closed).toBe(0)
    expect(await emails()).toEqual(['ann@example.com'])
  })
})
