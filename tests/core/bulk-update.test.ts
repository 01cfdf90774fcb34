import { beforeEach, expect, it } from 'vitest'
import {
  AfterUpdate,
  BeforeUpdate,
  Column,
  Entity,
  ORM,
  Relation,
  SoftDel,
  UniqueConstraintError,
  ValidationError,
  type LifecycleEventInfo,
} from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'
import { rawRows } from '../support/raw-sql.js'
import { MODEL as SOFT_MODEL, Story, User } from '../support/soft-model.js'

// Declared here: the bulk update needs a soft-deletable class with a unique column, a nullable column, a json
// column, a version and a to-one relation, and a class with update hooks next to one without.

class Maker extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Product extends SoftDel {
  @Column({ unique: true }) sku: string
  @Column() price: number
  @Column({ nullable: true }) note?: string
  @Column({ type: 'json', nullable: true }) specs?: { size: number }
  @Column({ version: true }) version: number
  @Relation(() => Maker, { nullable: true }) maker?: Maker
  constructor(sku: string, price: number) {
    super()
    this.sku = sku
    this.price = price
  }
}

const hookLog: string[] = []

class Watched extends Entity {
  @Column() label: string
  @Column() level: number = 0
  @BeforeUpdate() before() {
    hookLog.push(`before ${this.label} ${this.level}`)
    if (this.label === 'refused') throw new Error('refused by hook')
  }
  @AfterUpdate() after() {
    hookLog.push(`after ${this.label} ${this.level}`)
  }
  constructor(label: string) {
    super()
    this.label = label
  }
}

const MODEL = [Maker, Product, Watched]

beforeEach(() => {
  hookLog.length = 0
})

describeEachDialect('Class.update()', (db) => {
  async function products(): Promise<Product[]> {
    const list = [new Product('a', 10), new Product('b', 20), new Product('c', 30)]
    await ORM.flush()
    return list
  }

  async function pricesInDatabase(): Promise<Record<string, number>> {
    const rows = await rawRows(`SELECT sku, price FROM ${ORM.tableOf(Product)} ORDER BY sku`)
    return Object.fromEntries(rows.map((row) => [String(row.sku), Number(row.price)]))
  }

  it('updates the matching live rows in one statement and returns the count', async () => {
    const statements: string[] = []
    await db.boot(MODEL, { onQuery: (event) => statements.push(event.sql) })
    await products()
    statements.length = 0
    const n = await Product.update({ where: { price: [10, 20] } }, { price: 15, note: 'sale' })
    expect(n).toBe(2)
    expect(statements.filter((sql) => /^UPDATE/i.test(sql))).toHaveLength(1)
    expect(await pricesInDatabase()).toEqual({ a: 15, b: 15, c: 30 })
    expect(await Product.update({ where: { sku: 'nothing' } }, { price: 1 })).toBe(0)
  })

  it('sees live rows by default, all with withDeleted, only soft-deleted ones with onlyDeleted', async () => {
    await db.boot(MODEL)
    const [a] = await products()
    await a!.softDelete()
    expect(await Product.update({ where: {} }, { price: 1 })).toBe(2)
    expect(await pricesInDatabase()).toEqual({ a: 10, b: 1, c: 1 })
    expect(await Product.update({ where: {}, onlyDeleted: true }, { price: 2 })).toBe(1)
    expect(await pricesInDatabase()).toEqual({ a: 2, b: 1, c: 1 })
    expect(await Product.update({ where: {}, withDeleted: true }, { price: 3 })).toBe(3)
    expect(await pricesInDatabase()).toEqual({ a: 3, b: 3, c: 3 })
  })

  it('moves updatedAt and the version, and updates loaded instances without making them dirty', async () => {
    await db.boot(MODEL)
    const [a, b, c] = await products()
    const before = a!.updatedAt
    await new Promise((resolve) => setTimeout(resolve, 5))
    await Product.update({ where: { sku: ['a', 'b'] } }, { price: 99, specs: { size: 2 } })
    expect([a!.price, b!.price, c!.price]).toEqual([99, 99, 30])
    expect(a!.specs).toEqual({ size: 2 })
    expect(a!.specs).not.toBe(b!.specs)
    expect(a!.updatedAt.getTime()).toBeGreaterThan(before.getTime())
    expect([a!.version, b!.version, c!.version]).toEqual([2, 2, 1])
    expect(await ORM.discardPending()).toBe(0)
    const [row] = await rawRows(`SELECT version, updated_at FROM ${ORM.tableOf(Product)} WHERE sku = 'a'`)
    expect(Number(row!.version)).toBe(2)
    expect(new Date(row!.updated_at as string).getTime()).toBe(a!.updatedAt.getTime())
    // The instance is in line with its row: a later change of it writes without a version conflict.
    a!.note = 'later'
    await a!.save()
    expect(a!.version).toBe(3)
  })

  it('leaves no pending change on a json value that was read before the update', async () => {
    await db.boot(MODEL)
    const [a] = await products()
    a!.specs = { size: 1 }
    await ORM.flush()
    expect(a!.specs).toEqual({ size: 1 }) // handing out the object watches it for in-place edits
    await Product.update({ where: { sku: 'a' } }, { specs: { size: 2 } })
    await ORM.flush()
    expect(a!.version).toBe(3)
    const [row] = await rawRows(`SELECT version FROM ${ORM.tableOf(Product)} WHERE sku = 'a'`)
    expect(Number(row!.version)).toBe(3)
  })

  it('runs in the caller transaction; a rollback puts the database and the instances back', async () => {
    await db.boot(MODEL)
    const [a] = await products()
    await expect(
      ORM.transaction(async () => {
        expect(await Product.update({ where: { sku: 'a' } }, { price: 50 })).toBe(1)
        expect(a!.price).toBe(50)
        expect((await Product.findOne({ where: { sku: 'a' } }))!.price).toBe(50)
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(a!.price).toBe(10)
    expect(a!.version).toBe(1)
    expect(await pricesInDatabase()).toEqual({ a: 10, b: 20, c: 30 })
    expect(await ORM.discardPending()).toBe(0)
  })

  it('runs the update hooks once per row only when the class declares them, and the listeners', async () => {
    await db.boot(MODEL)
    new Watched('x')
    new Watched('y')
    await ORM.flush()
    hookLog.length = 0
    const events: LifecycleEventInfo[] = []
    const stop = ORM.on('update', (event) => {
      events.push(event)
    })
    expect(await Watched.update({ where: {} }, { level: 3 })).toBe(2)
    expect(hookLog.sort()).toEqual(['after x 3', 'after y 3', 'before x 0', 'before y 0'])
    expect(events.map(({ className, operation, ids }) => ({ className, operation, count: ids.length }))).toEqual([
      { className: 'Watched', operation: 'bulkUpdate', count: 2 },
    ])
    expect(events[0]!.instances).toHaveLength(2)
    stop()
    expect(await Watched.update({ where: { label: 'none' } }, { level: 4 })).toBe(0)
    expect(hookLog).toHaveLength(4)
  })

  it('loads no rows for a class without hooks: listeners get the instances already in memory', async () => {
    const statements: string[] = []
    await db.boot(MODEL, { onQuery: (event) => statements.push(event.sql) })
    const [a, , c] = await products()
    c!.note = 'unsaved'
    expect(await c!.discard()).toBe(true) // detached: its row is no longer in memory
    const events: LifecycleEventInfo[] = []
    ORM.on('update', (event) => {
      events.push(event)
    })
    statements.length = 0
    await Product.update({ where: {} }, { price: 1 })
    expect(statements.filter((sql) => /^SELECT/i.test(sql))).toEqual([])
    expect(events).toHaveLength(1)
    expect(events[0]!.ids).toHaveLength(3)
    expect(events[0]!.instances).toHaveLength(2)
    expect(events[0]!.instances).toContain(a)
    expect(hookLog).toEqual([])
  })

  it('writes nothing when a before-hook throws', async () => {
    await db.boot(MODEL)
    new Watched('fine')
    new Watched('refused')
    await ORM.flush()
    await expect(Watched.update({ where: {} }, { level: 9 })).rejects.toThrow('refused by hook')
    const rows = await rawRows(`SELECT level FROM ${ORM.tableOf(Watched)}`)
    expect(rows.map((row) => Number(row.level))).toEqual([0, 0])
  })

  it('refuses bad values before anything runs, writing nothing', async () => {
    await db.boot(MODEL)
    await products()
    const refusals: [object, RegExp][] = [
      [{ nope: 1 }, /Product has no mapped property 'nope'/],
      [{ id: 5 }, /Product\.id is set by veil-orm/],
      [{ createdAt: new Date() }, /Product\.createdAt is set by veil-orm/],
      [{ updatedAt: new Date() }, /Product\.updatedAt is set by veil-orm/],
      [{ deletedAt: new Date() }, /Product\.deletedAt is set by veil-orm/],
      [{ isDeleted: true }, /Product\.isDeleted is set by veil-orm/],
      [{ version: 7 }, /Product\.version is set by veil-orm/],
      [{ maker: 'acme' }, /Product\.maker in Product\.update\(\) expects a Maker instance or a Maker id/],
      [{ price: 'ten' }, /Product\.price in Product\.update\(\) expects a finite number/],
      [{ price: null }, /Product\.price in Product\.update\(\) expects .*not nullable/],
      [{ note: undefined }, /Product\.note in Product\.update\(\) is undefined; pass null/],
      [{}, /needs at least one property/],
    ]
    for (const [values, message] of refusals) {
      const failure = Product.update({ where: {} }, values as never)
      await expect(failure).rejects.toThrow(ValidationError)
      await expect(failure).rejects.toThrow(message)
    }
    await expect(Product.update({ where: { nope: 1 } } as never, { price: 1 })).rejects.toThrow(ValidationError)
    await expect(Product.update({} as never, { price: 1 })).rejects.toThrow(/needs \{ where \}/)
    await expect(Product.update({ where: {}, limit: 1 } as never, { price: 1 })).rejects.toThrow(ValidationError)
    expect(await pricesInDatabase()).toEqual({ a: 10, b: 20, c: 30 })
  })

  it('clears a nullable column with null', async () => {
    await db.boot(MODEL)
    const [a] = await products()
    a!.note = 'x'
    await ORM.flush()
    expect(await Product.update({ where: { sku: 'a' } }, { note: null })).toBe(1)
    expect(a!.note).toBeNull()
    expect(await Product.count({ where: { note: null } })).toBe(3)
  })

  it('reports a unique violation as a UniqueConstraintError naming the class and property, writing nothing', async () => {
    await db.boot(MODEL)
    const [a] = await products()
    const failure = Product.update({ where: {} }, { sku: 'same' })
    await expect(failure).rejects.toThrow(UniqueConstraintError)
    await expect(failure).rejects.toMatchObject({ className: 'Product', property: 'sku' })
    expect(a!.sku).toBe('a')
    expect(await pricesInDatabase()).toEqual({ a: 10, b: 20, c: 30 })
  })

  it('matches an instance that the flush before it saves', async () => {
    await db.boot(MODEL)
    await products()
    const acme = new Maker('acme')
    const p = new Product('d', 40)
    p.maker = acme
    expect(await Product.update({ where: { maker: acme } }, { price: 41 })).toBe(1)
    expect(p.price).toBe(41)
    expect(await pricesInDatabase()).toEqual({ a: 10, b: 20, c: 30, d: 41 })
  })

  it("runs ORM.md's Bulk update example as written", async () => {
    await db.boot(SOFT_MODEL)
    const ann = new User('ann')
    const bob = new User('bob')
    new Story('one', ann)
    new Story('two', ann)
    const hidden = new Story('three', ann)
    const other = new Story('four', bob)
    await ORM.flush()
    await hidden.softDelete()
    const n = await Story.update({ where: { createdBy: { username: 'ann' } } }, { title: 'Archived' })
    expect(n).toBe(2)
    expect(hidden.title).toBe('three')
    expect(await Story.update({ where: { title: 'Archived' }, onlyDeleted: true }, { title: 'Gone' })).toBe(0)
    expect(await Story.update({ where: { title: 'three' }, onlyDeleted: true }, { title: 'Gone' })).toBe(1)
    expect(hidden.title).toBe('Gone')
    expect(await Story.update({ where: {} }, { title: 'Untitled' })).toBe(3)
    expect(other.title).toBe('Untitled')
    expect(hidden.title).toBe('Gone')
  })
})
