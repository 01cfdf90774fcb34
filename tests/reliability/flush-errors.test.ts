import { expect, it } from 'vitest'
import {
  Column,
  Entity,
  ForeignKeyError,
  ORM,
  OrmError,
  Relation,
  SoftDel,
  UniqueConstraintError,
  ValidationError,
  type EntityClass,
} from '../../lib/index.js'
import { importModel } from '../support/compiled-model.js'
import { describeEachDialect } from '../support/dialects.js'
import { bootWithSideDoor, caught, columnValues, type BehindTheOrm } from './behind-the-orm.js'

// A flush error names the instance it is about: the database's unique and foreign key violations of a
// batched write are traced back to the instances at fault, and a ValidationError carries its instance.

class Account extends Entity {
  @Column() name: string
  @Column({ unique: true }) email: string
  constructor(name: string, email: string) {
    super()
    this.name = name
    this.email = email
  }
}

class Member extends SoftDel {
  @Column({ unique: true }) handle: string
  constructor(handle: string) {
    super()
    this.handle = handle
  }
}

class Tag extends Entity {
  @Column() label: string
  constructor(label: string) {
    super()
    this.label = label
  }
}

class Story extends Entity {
  @Column() title: string
  @Relation(() => Account) author: Account
  @Relation(() => Tag) tags: Tag[] = []
  constructor(title: string, author: Account) {
    super()
    this.title = title
    this.author = author
  }
}

const CLASSES: EntityClass[] = [SoftDel, Account, Member, Tag, Story]

let side: BehindTheOrm

async function flushError<T extends OrmError>(type: abstract new (...args: never[]) => T): Promise<T> {
  const error = await caught(ORM.flush())
  expect(error).toBeInstanceOf(type)
  return error as T
}

// The constructor that throws after super(), compiled as users compile it (see "Constructors that throw").
const WORKER_SOURCE = `
export function make(Entity: any, Column: any) {
  class Worker extends Entity {
    @Column() name!: string
    @Column() rank: number = 1
    constructor(name: string) {
      super()
      if (!name) throw new Error('a Worker needs a name')
      this.name = name
    }
  }
  return Worker
}
`
type WorkerClass = new (name: string) => Entity & { name: string; rank: number }
type MakeWorker = (entity: unknown, column: unknown) => WorkerClass

describeEachDialect('a flush error names the instance it is about', (db) => {
  it('names the new instance that duplicates a row of the same flush (the ORM.md example)', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    const dup = new Account('Dup', 'ann@example.com')
    const error = await flushError(UniqueConstraintError)
    expect(error.instances).toEqual([dup])
    expect(error.instances[0]).toBe(dup)
    expect(error.message).toContain(
      'Unique constraint violated on Account.email by a new Account (name: "Dup", email: "ann@example.com")',
    )
    expect(await columnValues(side, 'account', 'email')).toEqual([])
    dup.email = 'dup@example.com'
    await ORM.flush()
    expect(await columnValues(side, 'account', 'email')).toEqual(['ann@example.com', 'dup@example.com'])
  })

  it('names the one new instance of a 500-row insert whose value a row of the table already holds', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    const batch = Array.from({ length: 500 }, (_, i) => new Account(`n${i}`, `n${i}@example.com`))
    const culprit = batch[321] as Account
    culprit.email = 'ann@example.com'
    const error = await flushError(UniqueConstraintError)
    expect(error.instances).toEqual([culprit])
    expect(error.className).toBe('Account')
    expect(error.property).toBe('email')
    expect(error.message).toContain('by a new Account (name: "n321", email: "ann@example.com")')
    expect(error.message).not.toContain(`Account #${String(ann.id)}`)
    expect(await columnValues(side, 'account', 'email')).toEqual(['ann@example.com'])
  })

  it('names a persisted instance whose changed value duplicates another row', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    const bob = new Account('Bob', 'bob@example.com')
    await ORM.flush()
    bob.email = 'ann@example.com'
    const carol = new Account('Carol', 'carol@example.com')
    const error = await flushError(UniqueConstraintError)
    expect(error.instances).toEqual([bob])
    expect(error.message).toContain(`Unique constraint violated on Account.email by Account #${String(bob.id)}`)
    expect(carol.id).toBeUndefined()
  })

  it('lists every instance at fault on the error and the first three in the message', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    await ORM.flush()
    new Account('Ok', 'ok@example.com')
    const culprits = ['a', 'b', 'c', 'd', 'e'].map((name) => new Account(name, 'ann@example.com'))
    const error = await flushError(UniqueConstraintError)
    expect(error.instances).toEqual(culprits)
    expect(error.message).toContain('a new Account (name: "c", email: "ann@example.com") and 2 more')
    expect(error.message).not.toContain('name: "d"')
  })

  it('lets a handler discard the instances at fault and flush the rest (the ORM.md example)', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    new Account('Dup', 'ann@example.com')
    new Account('Bob', 'bob@example.com')
    try {
      await ORM.flush()
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error
      for (const instance of error.instances) await instance.discard()
      await ORM.flush() // writes everything else
    }
    expect(await columnValues(side, 'account', 'name')).toEqual(['Ann', 'Bob'])
  })

  it('counts only live rows of a soft-deletable class (a partial unique index)', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const old = new Member('ann')
    new Member('bob')
    await ORM.flush()
    await old.softDelete()
    const reuse = new Member('ann') // allowed: the other 'ann' is soft-deleted
    const dup = new Member('bob')
    const error = await flushError(UniqueConstraintError)
    expect(error.instances).toEqual([dup])
    expect(reuse.id).toBeUndefined()
  })

  it('names the instance that isDeleted = false would bring back next to a live holder of its value', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const old = new Member('ann')
    await ORM.flush()
    await old.softDelete()
    new Member('ann')
    await ORM.flush()
    old.isDeleted = false
    const error = await flushError(UniqueConstraintError)
    expect(error.instances).toEqual([old])
    expect(error.message).toContain(`by Member #${String(old.id)}`)
  })

  it('finds the holder among rows written earlier in the same transaction', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    await ORM.transaction(async () => {
      new Account('Ann', 'ann@example.com')
      await ORM.flush()
      const dup = new Account('Dup', 'ann@example.com')
      const error = await flushError(UniqueConstraintError)
      expect(error.instances).toEqual([dup])
      await dup.discard()
    })
    expect(await columnValues(side, 'account', 'email')).toEqual(['ann@example.com'])
  })

  it('gives the error of a scheduled flush its instances too', async () => {
    side = await bootWithSideDoor(db, CLASSES)
    const errors: OrmError[] = []
    ORM.onError = (error) => void errors.push(error)
    try {
      new Account('Ann', 'ann@example.com')
      const dup = new Account('Dup', 'ann@example.com')
      await expect.poll(() => errors.length).toBe(1)
      expect(errors[0]).toBeInstanceOf(UniqueConstraintError)
      expect((errors[0] as UniqueConstraintError).instances).toEqual([dup])
    } finally {
      ORM.onError = undefined
    }
  })

  it('names the new instance whose reference points at a row deleted by another process', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    const bob = new Account('Bob', 'bob@example.com')
    await ORM.flush()
    await side.run('DELETE FROM "account" WHERE id = ?', [ann.id])
    const fine = Array.from({ length: 20 }, (_, i) => new Story(`s${i}`, bob))
    const orphan = new Story('orphan', ann)
    const error = await flushError(ForeignKeyError)
    expect(error.instances).toEqual([orphan])
    expect(error.message).toContain(
      `Story.author of a new Story (title: "orphan") points at Account #${String(ann.id)}, which does not exist`,
    )
    expect(fine.every((story) => story.id === undefined)).toBe(true)
    expect(await columnValues(side, 'story', 'title')).toEqual([])
  })

  it('names a persisted instance whose changed reference points at a vanished row', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    const bob = new Account('Bob', 'bob@example.com')
    const story = new Story('hello', ann)
    await ORM.flush()
    await side.run('DELETE FROM "account" WHERE id = ?', [bob.id])
    story.author = bob
    const error = await flushError(ForeignKeyError)
    expect(error.instances).toEqual([story])
    expect(error.message).toContain(`Story.author of Story #${String(story.id)} points at Account #${String(bob.id)}`)
  })

  it('names the instance whose to-many relation gains a member whose row is gone', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    const red = new Tag('red')
    const blue = new Tag('blue')
    await ORM.flush()
    await side.run('DELETE FROM "tag" WHERE id = ?', [blue.id])
    const story = new Story('hello', ann)
    story.tags = [red, blue]
    const error = await flushError(ForeignKeyError)
    expect(error.instances).toEqual([story])
    expect(error.message).toContain(`Story.tags of a new Story (title: "hello") points at Tag #${String(blue.id)}`)
  })

  it('carries the instance a ValidationError of the flush is about, so that it can be discarded', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    new Account('Ann', 'ann@example.com')
    const broken = new Account('Broken', undefined as unknown as string)
    const error = await flushError(ValidationError)
    expect(error.instance).toBe(broken)
    expect(error.message).toContain('Account.email is required but is undefined on a new Account (name: "Broken")')
    expect(await error.instance?.discard()).toBe(true)
    await ORM.flush()
    expect(await columnValues(side, 'account', 'name')).toEqual(['Ann'])
  })

  it('carries the instance of a wrong value on a persisted instance', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const ann = new Account('Ann', 'ann@example.com')
    await ORM.flush()
    ;(ann as unknown as { email: unknown }).email = 42
    const error = await flushError(ValidationError)
    expect(error.instance).toBe(ann)
  })

  it('leaves instance undefined on a ValidationError that is not about one instance', async () => {
    side = await bootWithSideDoor(db, CLASSES, { autoFlush: false })
    const error = await caught(Account.find({ where: { nickname: 'x' } as never }))
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).instance).toBeUndefined()
  })

  for (const useDefine of [true, false]) {
    it(`drops a half-built instance it cannot reach through error.instance (useDefineForClassFields: ${useDefine})`, async () => {
      const Worker = (await importModel<MakeWorker>(WORKER_SOURCE, useDefine, 'flush-errors-worker'))(Entity, Column)
      side = await bootWithSideDoor(db, [...CLASSES, Worker as unknown as EntityClass], { autoFlush: false })
      // The example of ORM.md, "Constructors that throw".
      try {
        new Worker('') // throws after super(): a half-built Worker stays registered
      } catch {}
      new Worker('Ann')
      try {
        await ORM.flush()
      } catch (error) {
        if (!(error instanceof ValidationError) || !error.instance) throw error
        await error.instance.discard() // drops the half-built Worker only
      }
      await ORM.flush()
      expect(await columnValues(side, 'worker', 'name')).toEqual(['Ann'])
    })
  }
})
