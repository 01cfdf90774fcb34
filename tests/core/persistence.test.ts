import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import {
  Column,
  DetachedInstanceError,
  Entity,
  NotBootedError,
  ORM,
  UniqueConstraintError,
  ValidationError,
  type BootOptions,
  type EntityClass,
  type OrmError,
} from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'

class Account extends Entity {
  @Column() name: string
  @Column({ unique: true }) email: string
  @Column({ type: 'json' }) tags: string[] = []
  @Column({ type: 'date', nullable: true }) bornAt: Date | undefined
  constructor(name: string, email: string) {
    super()
    this.name = name
    this.email = email
  }
}

let profilesConstructed = 0

class Profile extends Entity {
  @Column() handle: string
  constructor(handle: string) {
    super()
    profilesConstructed++
    this.handle = handle
  }
}

/** A way to read the database that never flushes the ORM's pending changes. */
interface Reader {
  run(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>
}

const readerCleanups: (() => void)[] = []

afterEach(() => {
  ORM.onError = undefined
  for (const cleanup of readerCleanups.splice(0)) cleanup()
})

/**
 * Boots, and returns a reader that does not go through the ORM: a second connection on
 * sqlite-file and postgres; on sqlite-memory the ORM is booted on a database handle the test
 * keeps, so that it can read the same in-memory database directly.
 */
async function bootWithReader(db: DialectContext, classes: readonly EntityClass[], options: BootOptions = {}): Promise<Reader> {
  if (db.name !== 'sqlite-memory') {
    await db.boot(classes, options)
    return db.openSecondConnection()
  }
  const handle = new Database(':memory:')
  readerCleanups.push(() => handle.close())
  await db.boot(classes, { ...options, sqlite: handle })
  return {
    async run(text, params = []) {
      return handle.prepare(text).all(params) as Record<string, unknown>[]
    },
  }
}

async function rawCount(reader: Reader | undefined, text: string, params: unknown[] = []): Promise<number> {
  const rows = reader ? await reader.run(text, params) : await rawRows(text, params)
  return Number(rows[0]?.n)
}

/** Inserts a row behind the ORM's back, so that the ORM has to load it from the database. */
async function insertRawAccount(name: string, email: string): Promise<number> {
  const now = ORM.dialect === 'postgres' ? new Date() : Date.now()
  const table = ORM.tableOf(Account)
  await rawRows(`INSERT INTO ${table} (name, email, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, [
    name,
    email,
    '[]',
    now,
    now,
  ])
  const [row] = await rawRows(`SELECT id FROM ${table} WHERE email = ?`, [email])
  return Number(row?.id)
}

async function ticks(count = 3): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Waits (without flushing) until the reader sees what the test expects, or gives up after a while. */
async function eventually<T>(read: () => Promise<T>, isDone: (value: T) => boolean): Promise<T> {
  let value = await read()
  for (let attempt = 0; attempt < 200 && !isDone(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    value = await read()
  }
  return value
}

function toMillis(value: unknown): number {
  return value instanceof Date ? value.getTime() : Number(value)
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value
}

describeEachDialect('implicit persistence', (db) => {
  it('inserts a new instance on the scheduled tick without any explicit call', async () => {
    const reader = await bootWithReader(db, [Account])
    new Account('Ann', 'ann@example.com')
    await ticks()
    const rows = await eventually(
      () => reader.run('SELECT name, email FROM account'),
      (found) => found.length > 0,
    )
    expect(rows).toEqual([{ name: 'Ann', email: 'ann@example.com' }])
  })

  it('persists an assignment to a loaded instance on the scheduled tick', async () => {
    const reader = await bootWithReader(db, [Account])
    const id = await insertRawAccount('Ann', 'ann@example.com')
    const ann = (await Account.findById(id)) as Account
    ann.name = 'Annie'
    await ticks()
    const rows = await eventually(
      () => reader.run('SELECT name FROM account WHERE id = ?', [id]),
      (found) => found[0]?.name === 'Annie',
    )
    expect(rows).toEqual([{ name: 'Annie' }])
  })

  it('flushes pending changes before a find runs', async () => {
    const reader = await bootWithReader(db, [Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ann.name = 'Annie'
    const found = await Account.find({ where: { name: 'Annie' } })
    expect(found).toEqual([ann])
    expect(await reader.run('SELECT name FROM account')).toEqual([{ name: 'Annie' }])
  })

  it('writes nothing with autoFlush: false until a query runs', async () => {
    const reader = await bootWithReader(db, [Account], { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    await ticks(5)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await rawCount(reader, 'SELECT count(*) AS n FROM account')).toBe(0)
    await ORM.query('SELECT 1 AS one')
    expect(await rawCount(reader, 'SELECT count(*) AS n FROM account')).toBe(1)
  })

  it('writes nothing with autoFlush: false until an explicit flush', async () => {
    const reader = await bootWithReader(db, [Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ann.name = 'Annie'
    await ticks(5)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await reader.run('SELECT name FROM account')).toEqual([{ name: 'Ann' }])
    await ORM.flush()
    expect(await reader.run('SELECT name FROM account')).toEqual([{ name: 'Annie' }])
  })

  it('flushes the pending changes when save() is called', async () => {
    const reader = await bootWithReader(db, [Account], { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    const bob = new Account('Bob', 'bob@example.com')
    await ann.save()
    expect(await reader.run('SELECT name FROM account ORDER BY name')).toEqual([{ name: 'Ann' }, { name: 'Bob' }])
    bob.name = 'Bobby'
    await bob.save()
    expect(await reader.run('SELECT name FROM account ORDER BY name')).toEqual([{ name: 'Ann' }, { name: 'Bobby' }])
  })

  it('sets createdAt and updatedAt on insert', async () => {
    await db.boot([Account])
    const before = Date.now()
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    expect(ann.createdAt).toBeInstanceOf(Date)
    expect(ann.updatedAt).toBeInstanceOf(Date)
    expect(ann.createdAt.getTime()).toBeGreaterThanOrEqual(before)
    const [row] = await rawRows('SELECT created_at, updated_at FROM account WHERE id = ?', [ann.id])
    expect(toMillis(row?.created_at)).toBe(ann.createdAt.getTime())
    expect(toMillis(row?.updated_at)).toBe(ann.createdAt.getTime())
  })

  it('moves updatedAt on an update and keeps createdAt', async () => {
    await db.boot([Account])
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const createdAt = ann.createdAt.getTime()
    // Let the clock move on so that the update's timestamp can differ from the insert's.
    await new Promise((resolve) => setTimeout(resolve, 5))
    ann.name = 'Annie'
    await ORM.flush()
    const [row] = await rawRows('SELECT created_at, updated_at FROM account WHERE id = ?', [ann.id])
    expect(toMillis(row?.created_at)).toBe(createdAt)
    expect(toMillis(row?.updated_at)).toBeGreaterThan(createdAt)
    expect(ann.createdAt.getTime()).toBe(createdAt)
    expect(ann.updatedAt.getTime()).toBe(toMillis(row?.updated_at))
  })

  it('persists an in-place push to a json array', async () => {
    await db.boot([Account])
    const id = await insertRawAccount('Ann', 'ann@example.com')
    const ann = (await Account.findById(id)) as Account
    ann.tags.push('x')
    await ORM.flush()
    const [row] = await rawRows('SELECT tags FROM account WHERE id = ?', [id])
    expect(parseJson(row?.tags)).toEqual(['x'])
  })

  it('persists an in-place change to a Date', async () => {
    await db.boot([Account])
    const ann = new Account('Ann', 'ann@example.com')
    ann.bornAt = new Date('1990-06-15T12:00:00.000Z')
    await ORM.flush()
    ann.bornAt.setFullYear(2000)
    await ORM.flush()
    const [row] = await rawRows('SELECT born_at FROM account WHERE id = ?', [ann.id])
    expect(new Date(toMillis(row?.born_at)).getFullYear()).toBe(2000)
    expect(toMillis(row?.born_at)).toBe(ann.bornAt.getTime())
  })

  it('inserts 10,000 new instances in one flush with distinct ids', async () => {
    await db.boot([Account])
    const accounts = Array.from({ length: 10_000 }, (_, i) => new Account(`n${i}`, `n${i}@example.com`))
    await ORM.flush()
    expect(new Set(accounts.map((account) => account.id)).size).toBe(10_000)
    expect(await rawCount(undefined, 'SELECT count(*) AS n FROM account')).toBe(10_000)
    expect(await rawCount(undefined, 'SELECT count(DISTINCT id) AS n FROM account')).toBe(10_000)
  })
})

describeEachDialect('atomic flushes', (db) => {
  // autoFlush is off so that only the explicit flushes under test write anything.
  it('writes neither row when the second one of a flush violates a unique column, and both after a fix', async () => {
    const reader = await bootWithReader(db, [Account], { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    await ORM.flush()
    new Account('Bob', 'bob@example.com')
    const clash = new Account('Cid', 'ann@example.com')
    const error = await ORM.flush().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(UniqueConstraintError)
    expect((error as UniqueConstraintError).className).toBe('Account')
    expect((error as UniqueConstraintError).property).toBe('email')
    expect(await reader.run('SELECT name FROM account ORDER BY name')).toEqual([{ name: 'Ann' }])

    clash.email = 'cid@example.com'
    await ORM.flush()
    expect(await reader.run('SELECT name, email FROM account ORDER BY name')).toEqual([
      { name: 'Ann', email: 'ann@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
      { name: 'Cid', email: 'cid@example.com' },
    ])
  })

  it('writes neither row when two new rows of one flush share a unique value, and both after a fix', async () => {
    const reader = await bootWithReader(db, [Account], { autoFlush: false })
    new Account('Ann', 'same@example.com')
    const bob = new Account('Bob', 'same@example.com')
    await expect(ORM.flush()).rejects.toBeInstanceOf(UniqueConstraintError)
    expect(await rawCount(reader, 'SELECT count(*) AS n FROM account')).toBe(0)

    bob.email = 'bob@example.com'
    await ORM.flush()
    expect(await reader.run('SELECT name, email FROM account ORDER BY name')).toEqual([
      { name: 'Ann', email: 'same@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
    ])
  })

  it('writes nothing when a required property is undefined, and everything after a fix', async () => {
    const reader = await bootWithReader(db, [Account], { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    const nameless = new Account(undefined as unknown as string, 'nobody@example.com')
    await expect(ORM.flush()).rejects.toBeInstanceOf(ValidationError)
    expect(await rawCount(reader, 'SELECT count(*) AS n FROM account')).toBe(0)

    nameless.name = 'Bob'
    await ORM.flush()
    expect(await reader.run('SELECT name, email FROM account ORDER BY name')).toEqual([
      { name: 'Ann', email: 'ann@example.com' },
      { name: 'Bob', email: 'nobody@example.com' },
    ])
  })

  it('reports a failed background flush to ORM.onError and rethrows it once from the next call', async () => {
    await db.boot([Account])
    new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const reported = new Promise<OrmError>((resolve) => {
      ORM.onError = resolve
    })
    const clash = new Account('Bob', 'ann@example.com')
    await ticks()
    const error = await reported
    expect(error).toBeInstanceOf(UniqueConstraintError)
    expect((error as UniqueConstraintError).property).toBe('email')

    await expect(Account.count()).rejects.toBe(error)
    clash.email = 'bob@example.com'
    expect(await Account.count()).toBe(2)
    expect(await rawRows('SELECT name, email FROM account ORDER BY name')).toEqual([
      { name: 'Ann', email: 'ann@example.com' },
      { name: 'Bob', email: 'bob@example.com' },
    ])
  })
})

describeEachDialect('identity map', (db) => {
  it('returns the instance already in memory from find()', async () => {
    await db.boot([Account])
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const found = await Account.find({ where: { email: 'ann@example.com' } })
    expect(found).toHaveLength(1)
    expect(found[0]).toBe(ann)
  })

  it('returns the instance already in memory from findById()', async () => {
    await db.boot([Account])
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    expect(await Account.findById(ann.id)).toBe(ann)
  })

  it('returns identical objects from two finds of the same rows', async () => {
    await db.boot([Account])
    await insertRawAccount('Ann', 'ann@example.com')
    await insertRawAccount('Bob', 'bob@example.com')
    const first = await Account.find()
    const second = await Account.find({ orderBy: { name: 'asc' } })
    expect(first).toHaveLength(2)
    expect(second[0]).toBe(first[0])
    expect(second[1]).toBe(first[1])
  })

  it('creates loaded instances without running the constructor', async () => {
    await db.boot([Profile])
    profilesConstructed = 0
    new Profile('built')
    await ORM.flush()
    await rawRows(
      `INSERT INTO profile (handle, created_at, updated_at) VALUES (?, ?, ?)`,
      ORM.dialect === 'postgres' ? ['loaded', new Date(), new Date()] : ['loaded', Date.now(), Date.now()],
    )
    const loaded = await Profile.findOne({ where: { handle: 'loaded' } })
    expect(loaded).toBeInstanceOf(Profile)
    expect(loaded?.handle).toBe('loaded')
    expect(profilesConstructed).toBe(1)
  })
})

describeEachDialect('guarded state', (db) => {
  it('refuses an assignment to id with a ValidationError', async () => {
    await db.boot([Account])
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const id = ann.id
    expect(() => {
      ;(ann as unknown as { id: unknown }).id = 999
    }).toThrow(ValidationError)
    expect(ann.id).toBe(id)
    expect(await rawRows('SELECT id FROM account')).toEqual([{ id }])
  })

  it('refuses an assignment to createdAt with a ValidationError', async () => {
    await db.boot([Account])
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const createdAt = ann.createdAt.getTime()
    expect(() => {
      ;(ann as unknown as { createdAt: unknown }).createdAt = new Date(0)
    }).toThrow(ValidationError)
    await ORM.flush()
    const [row] = await rawRows('SELECT created_at FROM account')
    expect(toMillis(row?.created_at)).toBe(createdAt)
  })

  it('throws NotBootedError from new, find() and flush() before boot', async () => {
    expect(() => new Account('Ann', 'ann@example.com')).toThrow(NotBootedError)
    await expect(Account.find()).rejects.toBeInstanceOf(NotBootedError)
    await expect(ORM.flush()).rejects.toBeInstanceOf(NotBootedError)
  })

  it('throws NotBootedError from new, find() and flush() after close()', async () => {
    await db.boot([Account])
    await ORM.close()
    expect(() => new Account('Ann', 'ann@example.com')).toThrow(NotBootedError)
    await expect(Account.find()).rejects.toBeInstanceOf(NotBootedError)
    await expect(ORM.flush()).rejects.toBeInstanceOf(NotBootedError)
  })

  it('detaches instances of an earlier boot: assigning to one throws DetachedInstanceError', async () => {
    await db.boot([Account])
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    await ORM.close()
    await db.boot([Account])
    expect(() => {
      ann.name = 'Annie'
    }).toThrow(DetachedInstanceError)
    await ORM.flush()
    expect(await rawCount(undefined, 'SELECT count(*) AS n FROM account')).toBe(0)
  })
})
