import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import {
  BootError,
  Column,
  Entity,
  NotBootedError,
  ORM,
  Table,
  UniqueConstraintError,
  type BootOptions,
  type EntityClass,
  type IdType,
} from '../../lib/index.js'
import { DATABASE_URL, describeEachDialect, type DialectContext } from '../support/dialects.js'
import { tableNames, columnNames } from '../support/raw-sql.js'

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

// --- valid entities ---

class Note extends Entity {
  @Column() text: string
  constructor(text: string) {
    super()
    this.text = text
  }
}

class User extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class Order extends Entity {
  @Column() total: number
  constructor(total: number) {
    super()
    this.total = total
  }
}

class Group extends Entity {
  @Column() title: string
  constructor(title: string) {
    super()
    this.title = title
  }
}

class Keyword extends Entity {
  @Column() select: string
  @Column({ type: 'integer' }) order: number
  @Column() from: Date
  constructor(select: string, order: number, from: Date) {
    super()
    this.select = select
    this.order = order
    this.from = from
  }
}

@Table({ name: 'users', columns: { createdAt: 'created_on', updatedAt: 'changed_on' } })
class Member extends Entity {
  @Column({ name: 'created_by' }) author: string
  constructor(author: string) {
    super()
    this.author = author
  }
}

class OrderItem extends Entity {
  @Column() bornAt: Date
  @Column() unitPrice: number
  constructor(bornAt: Date, unitPrice: number) {
    super()
    this.bornAt = bornAt
    this.unitPrice = unitPrice
  }
}

abstract class Fruit extends Entity {
  @Column() label: string
  constructor(label: string) {
    super()
    this.label = label
  }
}

class Apple extends Fruit {
  @Column() crisp: boolean = true
}

class Pear extends Fruit {}

class Ticket extends Entity {
  static ormClassSettings_ = { idType: 'UUID' }
  @Column() title: string
  constructor(title: string) {
    super()
    this.title = title
  }
}

class VipTicket extends Ticket {
  @Column() seat: string = 'A1'
}

class Account extends Entity {
  @Column({ unique: true }) email: string
  constructor(email: string) {
    super()
    this.email = email
  }
}

@Table({ name: 'gadget' })
class GadgetV1 extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

@Table({ name: 'gadget' })
class GadgetV2 extends Entity {
  @Column() name: string
  @Column() color: string
  constructor(name: string, color: string) {
    super()
    this.name = name
    this.color = color
  }
}

class Spare extends Entity {
  @Column() part: string
}

// A class that was never passed to boot.
class Stray extends Entity {
  @Column() text: string
  constructor(text: string) {
    super()
    this.text = text
  }
}

// --- entities that boot must refuse (the other refusals are unit-tested in tests/unit/metadata-validation.test.ts) ---

// esbuild emits no decorator metadata: the decorator is applied by hand to a class that has none.
class PlainTyped extends Entity {
  declare name: string
}
Column({ type: 'text' })(PlainTyped.prototype, 'name')

class SnakeProp extends Entity {
  @Column() First_name: string
}

// --- helpers ---

async function bootFailure(db: DialectContext, classes: readonly EntityClass[], options?: BootOptions): Promise<BootError> {
  const error = await db.boot(classes, options).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(BootError)
  return error as BootError
}

/** The n-th (1-based) placeholder of the booted dialect. */
function param(n: number): string {
  return ORM.dialect === 'sqlite' ? '?' : `$${n}`
}

/** A date column as raw SQL returns it: epoch ms on SQLite, a Date on PostgreSQL. */
function rawTime(value: unknown): number {
  return new Date(value as number | Date).getTime()
}

function collectingLogger(): { warnings: string[]; warn(message: string): void } {
  const warnings: string[] = []
  return { warnings, warn: (message) => warnings.push(message) }
}

describeEachDialect('ORM.boot() validation', (db) => {
  it('boots a class without metadata once the column type is explicit', async () => {
    await db.boot([PlainTyped])
    const row = new PlainTyped()
    row.name = 'typed'
    await ORM.flush()
    const rows = await ORM.query('SELECT name FROM plain_typed')
    expect(rows).toEqual([{ name: 'typed' }])
    expect((await PlainTyped.findById(row.id))?.name).toBe('typed')
  })

  it('refuses invalid classes before touching the database: its tables and rows stay as they were', async () => {
    // An in-memory database lives as long as its handle: keep one across the boots.
    const handle = db.name === 'sqlite-memory' ? new Database(':memory:') : undefined
    await db.boot([Note], handle ? { sqlite: handle } : {})
    const reuse = handle ? { sqlite: handle } : db.connectionOptions()
    new Note('kept')
    await ORM.close()
    const error = await ORM.boot([Note, Spare, SnakeProp], reuse).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toContain('SnakeProp.First_name')
    expect((error as BootError).message).toContain('camelCase')
    await ORM.boot([Note], reuse)
    expect(await tableNames()).toEqual(['note'])
    expect(await Note.count()).toBe(1)
    await ORM.close()
    handle?.close()
  })

  it('refuses an unknown idTypeDefault', async () => {
    const error = await bootFailure(db, [Note], { idTypeDefault: 'SERIAL' as IdType })
    expect(error.message).toContain('idTypeDefault')
    expect(error.message).toContain('SERIAL')
  })

  it('refuses both sqlite and postgres options', async () => {
    const error = await bootFailure(db, [Note], { sqlite: ':memory:', postgres: DATABASE_URL })
    expect(error.message).toContain('sqlite')
    expect(error.message).toContain('postgres')
    expect(error.message).toContain('only one')
  })

  it('refuses a second boot without close and keeps the first one working', async () => {
    await db.boot([Note])
    const error = await ORM.boot([Note], db.connectionOptions()).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(BootError)
    expect((error as BootError).message).toContain('ORM.close()')
    new Note('still booted')
    expect(await Note.count()).toBe(1)
  })

  it('leaves the ORM unbooted after a refused boot, so a corrected boot works', async () => {
    await bootFailure(db, [SnakeProp])
    expect(() => ORM.dialect).toThrow(NotBootedError)
    await db.boot([Note])
    new Note('after the failure')
    expect(await Note.count()).toBe(1)
  })

  it('throws NotBootedError when constructing a class that was not passed to boot', async () => {
    await db.boot([Note])
    let error: unknown
    try {
      new Stray('lost')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(NotBootedError)
    expect((error as NotBootedError).message).toContain('Stray')
    expect((error as NotBootedError).message).toContain('ORM.boot')
    expect(await Note.count()).toBe(0)
  })
})

describeEachDialect('ORM.boot() mapping', (db) => {
  it('maps classes named after SQL reserved words', async () => {
    await db.boot([User, Order, Group])
    new User('ann')
    new User('bob')
    new Order(12.5)
    new Group('admins')
    await ORM.flush()
    expect(await User.count()).toBe(2)
    expect(await Order.count()).toBe(1)
    expect(await Group.count()).toBe(1)
    expect((await User.find({ where: { name: 'bob' } })).map((user) => user.name)).toEqual(['bob'])
    expect((await Order.findOne())?.total).toBe(12.5)
    expect((await Group.find({ orderBy: { title: 'desc' } })).map((group) => group.title)).toEqual(['admins'])
    expect(await tableNames()).toEqual(['group', 'order', 'user'])
  })

  it('maps properties named after SQL reserved words', async () => {
    await db.boot([Keyword])
    const from = new Date('2020-01-01T00:00:00.000Z')
    new Keyword('b', 2, from)
    const first = new Keyword('a', 1, from)
    await ORM.flush()
    expect(await columnNames('keyword')).toEqual(['created_at', 'from', 'id', 'order', 'select', 'updated_at'])
    const found = await Keyword.find({ where: { select: ['a', 'b'], from }, orderBy: { order: 'asc' } })
    expect(found.map((keyword) => keyword.select)).toEqual(['a', 'b'])
    first.order = 3
    await ORM.flush()
    const rows = await ORM.query('SELECT "select", "order" FROM keyword ORDER BY "order"')
    expect(rows).toEqual([
      { select: 'b', order: 2 },
      { select: 'a', order: 3 },
    ])
  })

  it('creates the exact table and column names given by @Table and @Column', async () => {
    await db.boot([Member])
    expect(ORM.tableOf(Member)).toBe('users')
    const member = new Member('ann')
    await ORM.flush()
    expect(await columnNames('users')).toEqual(['changed_on', 'created_by', 'created_on', 'id'])
    const rows = await ORM.query('SELECT id, created_by, created_on, changed_on FROM users')
    expect(rows).toHaveLength(1)
    expect(rows[0]?.created_by).toBe('ann')
    expect(rawTime(rows[0]?.created_on)).toBe(member.createdAt.getTime())
    expect(rawTime(rows[0]?.changed_on)).toBe(member.updatedAt.getTime())
    expect((await Member.findOne({ where: { author: 'ann' } }))?.id).toBe(member.id)
  })

  it('maps PascalCase classes and camelCase properties to snake_case', async () => {
    await db.boot([OrderItem])
    expect(ORM.tableOf(OrderItem)).toBe('order_item')
    const bornAt = new Date('2001-02-03T04:05:06.789Z')
    new OrderItem(bornAt, 9.75)
    await ORM.flush()
    expect(await columnNames('order_item')).toEqual(['born_at', 'created_at', 'id', 'unit_price', 'updated_at'])
    const rows = await ORM.query('SELECT born_at, unit_price FROM order_item')
    expect(rows).toHaveLength(1)
    expect(rawTime(rows[0]?.born_at)).toBe(bornAt.getTime())
    expect(rows[0]?.unit_price).toBe(9.75)
  })

  it('gives the columns of an abstract ancestor to each subclass and no table to the ancestor', async () => {
    await db.boot([Apple, Pear])
    new Apple('green')
    new Pear('yellow')
    await ORM.flush()
    expect(await tableNames()).toEqual(['apple', 'pear'])
    expect(await columnNames('apple')).toEqual(['created_at', 'crisp', 'id', 'label', 'updated_at'])
    expect(await columnNames('pear')).toEqual(['created_at', 'id', 'label', 'updated_at'])
    expect(await ORM.query('SELECT label FROM apple')).toEqual([{ label: 'green' }])
    expect(await ORM.query('SELECT label FROM pear')).toEqual([{ label: 'yellow' }])
    await expect(ORM.query('SELECT label FROM fruit')).rejects.toThrow()
    expect((await Pear.findOne({ where: { label: 'yellow' } }))?.label).toBe('yellow')
  })

  it('gives UUID ids to a class with idType UUID and to its subclass, from construction on', async () => {
    await db.boot([Ticket, VipTicket, Note])
    const ticket = new Ticket('concert')
    const vip = new VipTicket('opera')
    const note = new Note('int ids elsewhere')
    expect(ticket.id).toMatch(UUID_PATTERN)
    expect(vip.id).toMatch(UUID_PATTERN)
    expect(ticket.id).not.toBe(vip.id)
    await ORM.flush()
    expect(typeof note.id).toBe('number')
    // Booted together, the subclass shares its ancestor's table (concrete inheritance, tests/inheritance/).
    expect(await ORM.query(`SELECT id, title FROM ticket WHERE entity_type = 'Ticket'`)).toEqual([{ id: ticket.id, title: 'concert' }])
    expect(await ORM.query(`SELECT id, seat FROM ticket WHERE entity_type = 'VipTicket'`)).toEqual([{ id: vip.id, seat: 'A1' }])
    expect(await Ticket.findById(ticket.id)).toBe(ticket)
    expect(await VipTicket.findById(vip.id)).toBe(vip)
  })

  it('gives bigint ids with idTypeDefault BIGINT', async () => {
    await db.boot([Note], { idTypeDefault: 'BIGINT' })
    const first = new Note('one')
    const second = new Note('two')
    await ORM.flush()
    expect(typeof first.id).toBe('bigint')
    expect(second.id).toBe((first.id as bigint) + 1n)
    expect(await Note.findById(second.id)).toBe(second)
    const rows = await ORM.query(`SELECT text FROM note WHERE id = ${param(1)}`, [String(second.id)])
    expect(rows).toEqual([{ text: 'two' }])
  })

  it('creates a unique index for @Column({ unique: true })', async () => {
    await db.boot([Account], { autoFlush: false })
    new Account('ann@example.com')
    await ORM.flush()
    const duplicate = new Account('ann@example.com')
    const error = await ORM.flush().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(UniqueConstraintError)
    expect((error as UniqueConstraintError).className).toBe('Account')
    expect((error as UniqueConstraintError).property).toBe('email')
    duplicate.email = 'bob@example.com'
    await ORM.flush()
    const rows = await ORM.query('SELECT email FROM account ORDER BY id')
    expect(rows).toEqual([{ email: 'ann@example.com' }, { email: 'bob@example.com' }])
  })
})

describeEachDialect(
  'ORM.boot() after ORM.close()',
  (db) => {
    it('boots again after close and still finds the data', async () => {
      await db.boot([Note])
      const note = new Note('kept')
      await ORM.flush()
      const id = note.id
      await ORM.close()
      await ORM.boot([Note], db.connectionOptions())
      const again = await Note.findById(id)
      expect(again).toBeDefined()
      expect(again).not.toBe(note)
      expect(again?.text).toBe('kept')
      expect(await Note.count()).toBe(1)
    })

    it('adds a new column to an existing table and warns that it was added nullable', async () => {
      await db.boot([GadgetV1])
      const old = new GadgetV1('old')
      await ORM.flush()
      await ORM.close()
      const logger = collectingLogger()
      await ORM.boot([GadgetV2], { ...db.connectionOptions(), logger })
      expect(logger.warnings.filter((warning) => warning.includes('"gadget"."color"'))).toHaveLength(1)
      expect(logger.warnings.find((warning) => warning.includes('"gadget"."color"'))).toContain('nullable')
      expect(await columnNames('gadget')).toEqual(['color', 'created_at', 'id', 'name', 'updated_at'])
      new GadgetV2('new', 'red')
      await ORM.flush()
      expect(await ORM.query('SELECT name, color FROM gadget ORDER BY id')).toEqual([
        { name: 'old', color: null },
        { name: 'new', color: 'red' },
      ])
      expect((await GadgetV2.findById(old.id))?.color).toBeUndefined()
    })

    it('warns about a column that no class maps and leaves it in place', async () => {
      await db.boot([GadgetV2])
      new GadgetV2('lamp', 'blue')
      await ORM.flush()
      await ORM.close()
      const logger = collectingLogger()
      await ORM.boot([GadgetV1], { ...db.connectionOptions(), logger })
      const warning = logger.warnings.find((candidate) => candidate.includes('"gadget"."color"'))
      expect(warning).toContain('not mapped')
      expect(warning).toContain('GadgetV1')
      expect(await ORM.query('SELECT name, color FROM gadget')).toEqual([{ name: 'lamp', color: 'blue' }])
      expect((await GadgetV1.findOne())?.name).toBe('lamp')
    })

    it('warns about a table that no class maps and leaves it in place', async () => {
      await db.boot([GadgetV1, Spare])
      await ORM.close()
      const logger = collectingLogger()
      await ORM.boot([GadgetV1], { ...db.connectionOptions(), logger })
      const warning = logger.warnings.find((candidate) => candidate.includes('"spare"'))
      expect(warning).toContain('not mapped')
      expect(logger.warnings.some((candidate) => candidate.includes('"gadget"'))).toBe(false)
      expect(await tableNames()).toEqual(['gadget', 'spare'])
    })

    it('boots with skipTableCreation when the tables exist', async () => {
      await db.boot([GadgetV1])
      await ORM.close()
      await ORM.boot([GadgetV1], { ...db.connectionOptions(), skipTableCreation: true })
      new GadgetV1('checked')
      await ORM.flush()
      expect(await ORM.query('SELECT name FROM gadget')).toEqual([{ name: 'checked' }])
    })

    it('boots with skipTableCreation despite a missing column, warns naming it, adds nothing, and a query needing it fails clearly', async () => {
      await db.boot([GadgetV1])
      await ORM.close()
      const warnings: string[] = []
      await ORM.boot([GadgetV2], { ...db.connectionOptions(), skipTableCreation: true, logger: { warn: (message) => warnings.push(message) } })
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('column "gadget"."color" (GadgetV2.color)')
      await expect(GadgetV2.findOne()).rejects.toThrow(/color.*lacks a table or column the classes map/)
      expect(await columnNames('gadget')).toEqual(['created_at', 'id', 'name', 'updated_at'])
    })
  },
  ['sqlite-file', 'postgres'],
)

