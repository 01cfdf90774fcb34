import { expect, expectTypeOf, it } from 'vitest'
import {
  AND,
  Column,
  Entity,
  OR,
  ORM,
  sql,
  ValidationError,
  type FindOptions,
} from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

class Account extends Entity {
  @Column() name: string
  @Column({ type: 'integer' }) age: number
  @Column({ type: 'text', nullable: true }) email?: string
  @Column() balance: number
  @Column() active: boolean
  @Column({ type: 'json', nullable: true }) tags?: string[]

  constructor(
    name: string,
    age: number,
    email: string | undefined,
    balance: number,
    active: boolean,
  ) {
    super()
    this.name = name
    this.age = age
    this.email = email
    this.balance = balance
    this.active = active
  }
}

const EVIL = "x'; DROP TABLE account; --"

/** Five accounts, inserted (and so numbered) in this order. */
async function seed() {
  const ann = new Account('Ann', 30, 'ann@example.com', 10.5, true)
  const bob = new Account('Bob', 17, 'bob@gmail.com', 1, false)
  const cid = new Account('Cid', 45, undefined, 2.5, true)
  const dee = new Account('Dee', 18, 'dee@gmail.com', 4.75, true)
  const eve = new Account('Eve', 65, undefined, 0, false)
  await ORM.flush()
  return { ann, bob, cid, dee, eve }
}

function names(accounts: readonly Account[]): string[] {
  return accounts.map((account) => account.name)
}

/** Every row of the account table as the database holds it. */
function tableRows(): Promise<Record<string, unknown>[]> {
  return ORM.query('SELECT * FROM account ORDER BY id')
}

/** Options that bypass the compile-time checks, to reach the runtime validation. */
function untyped(options: object): FindOptions<Account> {
  return options as FindOptions<Account>
}

describeEachDialect('find', (db) => {
  it('returns every row in id order when given no options', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find())).toEqual(['Ann', 'Bob', 'Cid', 'Dee', 'Eve'])
  })

  it('returns instances typed as the class', async () => {
    await db.boot([Account])
    await seed()
    const found = await Account.find({ where: { name: 'Ann' } })
    const first = await Account.findOne()
    expectTypeOf(found).toEqualTypeOf<Account[]>()
    expectTypeOf(first).toEqualTypeOf<Account | undefined>()
    expectTypeOf(await Account.findById(1)).toEqualTypeOf<Account | undefined>()
    expect(found[0]).toBeInstanceOf(Account)
    expect(first).toBeInstanceOf(Account)
  })

  it('matches by equality', async () => {
    await db.boot([Account])
    const { bob, eve } = await seed()
    expect(await Account.find({ where: { name: 'Bob' } })).toEqual([bob])
    expect(await Account.find({ where: { active: false } })).toEqual([bob, eve])
    expect(await Account.find({ where: { balance: 4.75 } })).toEqual([
      (await Account.findOne({ where: { name: 'Dee' } }))!,
    ])
  })

  it('combines several where keys with AND', async () => {
    await db.boot([Account])
    const { ann } = await seed()
    expect(await Account.find({ where: { name: 'Ann', age: 30 } })).toEqual([ann])
    expect(await Account.find({ where: { name: 'Ann', age: 31 } })).toEqual([])
    expect(names(await Account.find({ where: { active: true, balance: sql`< ${5}` } }))).toEqual([
      'Cid',
      'Dee',
    ])
  })

  it('matches each call with its own values when the same where keys come again, in any order', async () => {
    await db.boot([Account])
    const { ann, bob } = await seed()
    expect(await Account.find({ where: { name: 'Ann', age: 30 } })).toEqual([ann])
    expect(await Account.find({ where: { name: 'Bob', age: 17 } })).toEqual([bob])
    expect(await Account.find({ where: { age: 17, name: 'Bob' } })).toEqual([bob])
    expect(await Account.find({ where: { age: 30, name: 'Bob' } })).toEqual([])
    expect(await Account.find({ where: { name: 'Ann' }, limit: 0 })).toEqual([])
    expect(await Account.find({ where: { name: 'Ann' } })).toEqual([ann])
  })

  it('refuses a value of the wrong type for where keys it matched before, before flushing', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { age: 30 } }))).toEqual(['Ann'])
    const fay = new Account('Fay', 20, undefined, 1, true)
    const failure = Account.find(untyped({ where: { age: 'thirty' } }))
    await expect(failure).rejects.toBeInstanceOf(ValidationError)
    await expect(failure).rejects.toThrow(/Account\.age/)
    await expect(failure).rejects.toThrow(/"thirty"/)
    // Refused before the flush that find() starts with: the new account is still unsaved.
    expect(fay.id).toBeUndefined()
  })

  it('matches NULL with a null where value', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { email: null } }))).toEqual(['Cid', 'Eve'])
  })

  it('matches any value of a list with IN', async () => {
    await db.boot([Account])
    const { ann, eve } = await seed()
    expect(names(await Account.find({ where: { name: ['Cid', 'Ann', 'Zed'] } }))).toEqual([
      'Ann',
      'Cid',
    ])
    expect(names(await Account.find({ where: { age: [17, 65] } }))).toEqual(['Bob', 'Eve'])
    expect(await Account.find({ where: { id: [eve.id, ann.id] } })).toEqual([ann, eve])
  })

  it('matches nothing with an empty IN list', async () => {
    await db.boot([Account])
    await seed()
    expect(await Account.find({ where: { name: [] } })).toEqual([])
    expect(await Account.count({ where: { name: [] } })).toBe(0)
    expect(await Account.findOne({ where: { age: [] } })).toBeUndefined()
  })

  it('puts the column on the left of a sql fragment without #', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { age: sql`>= ${18}` } }))).toEqual([
      'Ann',
      'Cid',
      'Dee',
      'Eve',
    ])
    expect(names(await Account.find({ where: { age: sql`<> ${30}` } }))).toEqual([
      'Bob',
      'Cid',
      'Dee',
      'Eve',
    ])
  })

  it('replaces # with the column in a sql fragment', async () => {
    await db.boot([Account])
    await seed()
    const min = 18
    const max = 45
    expect(names(await Account.find({ where: { age: sql`${min} <= # AND # < ${max}` } }))).toEqual([
      'Ann',
      'Dee',
    ])
  })

  it('matches a pattern with LIKE', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { email: sql`LIKE ${'%@gmail.com'}` } }))).toEqual([
      'Bob',
      'Dee',
    ])
    expect(names(await Account.find({ where: { name: sql`LIKE ${'_e%'}` } }))).toEqual(['Dee'])
  })

  it('binds a list inside a sql fragment as a parenthesized list', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { name: sql`NOT IN ${['Ann', 'Bob']}` } }))).toEqual([
      'Cid',
      'Dee',
      'Eve',
    ])
  })

  it('matches a json column with null or a sql fragment', async () => {
    await db.boot([Account])
    const { ann, bob } = await seed()
    ann.tags = ['vip']
    await ORM.flush()
    expect(await Account.find({ where: { tags: sql`IS NOT NULL` } })).toEqual([ann])
    expect(names(await Account.find({ where: { tags: null } }))).toEqual([
      'Bob',
      'Cid',
      'Dee',
      'Eve',
    ])
    expect((await Account.find({ where: { tags: null } }))[0]).toBe(bob)
  })

  it('matches any of several values with OR', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { name: OR('Eve', 'Bob') } }))).toEqual(['Bob', 'Eve'])
  })

  it('requires every fragment with AND', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { balance: AND(sql`> 1`, sql`< ${5}`) } }))).toEqual([
      'Cid',
      'Dee',
    ])
  })

  it('mixes a value and a fragment in OR', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ where: { age: OR(17, sql`> ${60}`) } }))).toEqual([
      'Bob',
      'Eve',
    ])
  })

  it('keeps an OR inside its own parentheses when combined with another key', async () => {
    await db.boot([Account])
    await seed()
    // Without parentheses, `name = 'Ann' OR name = 'Bob' AND active = true` would let Ann through.
    expect(names(await Account.find({ where: { name: OR('Ann', 'Bob'), active: false } }))).toEqual(
      ['Bob'],
    )
  })

  it('matches dates in a fragment and the id by equality', async () => {
    await db.boot([Account])
    const { cid } = await seed()
    expect(
      await Account.count({ where: { createdAt: sql`<= ${new Date(Date.now() + 60_000)}` } }),
    ).toBe(5)
    expect(
      await Account.count({ where: { createdAt: sql`> ${new Date(Date.now() + 60_000)}` } }),
    ).toBe(0)
    expect(await Account.find({ where: { id: cid.id } })).toEqual([cid])
  })

  it('orders ascending and descending', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ orderBy: { age: 'asc' } }))).toEqual([
      'Bob',
      'Dee',
      'Ann',
      'Cid',
      'Eve',
    ])
    expect(names(await Account.find({ orderBy: { age: 'desc' } }))).toEqual([
      'Eve',
      'Cid',
      'Ann',
      'Dee',
      'Bob',
    ])
    expect(names(await Account.find({ orderBy: { name: 'DESC' } }))).toEqual([
      'Eve',
      'Dee',
      'Cid',
      'Bob',
      'Ann',
    ])
  })

  it('sorts NULL after every value ascending and before them descending, on every database', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ orderBy: { email: 'asc' } }))).toEqual(['Ann', 'Bob', 'Dee', 'Cid', 'Eve'])
    expect(names(await Account.find({ orderBy: { email: 'desc' } }))).toEqual(['Cid', 'Eve', 'Dee', 'Bob', 'Ann'])
  })

  it('orders by several keys in order and breaks ties by id', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ orderBy: { active: 'desc' } }))).toEqual([
      'Ann',
      'Cid',
      'Dee',
      'Bob',
      'Eve',
    ])
    expect(names(await Account.find({ orderBy: { active: 'asc', age: 'desc' } }))).toEqual([
      'Eve',
      'Bob',
      'Cid',
      'Ann',
      'Dee',
    ])
  })

  it('pages through ordered rows with limit and offset', async () => {
    await db.boot([Account])
    await seed()
    const page = (offset: number) => Account.find({ orderBy: { age: 'asc' }, limit: 2, offset })
    expect(names(await page(0))).toEqual(['Bob', 'Dee'])
    expect(names(await page(2))).toEqual(['Ann', 'Cid'])
    expect(names(await page(4))).toEqual(['Eve'])
    expect(await page(6)).toEqual([])
    expect(names(await Account.find({ orderBy: { age: 'desc' }, limit: 2, offset: 1 }))).toEqual([
      'Cid',
      'Ann',
    ])
  })

  it('applies an offset without a limit and a limit of zero', async () => {
    await db.boot([Account])
    await seed()
    expect(names(await Account.find({ orderBy: { age: 'asc' }, offset: 3 }))).toEqual([
      'Cid',
      'Eve',
    ])
    expect(await Account.find({ limit: 0 })).toEqual([])
  })

  it('filters, orders and pages in one call', async () => {
    await db.boot([Account])
    await seed()
    const found = await Account.find({
      where: { age: sql`>= ${18}` },
      orderBy: { balance: 'desc' },
      limit: 2,
      offset: 1,
    })
    expect(names(found)).toEqual(['Dee', 'Cid'])
  })

  it('returns the first match from findOne', async () => {
    await db.boot([Account])
    const { ann, cid } = await seed()
    expect(await Account.findOne()).toBe(ann)
    expect(await Account.findOne({ where: { active: true }, orderBy: { age: 'desc' } })).toBe(cid)
  })

  it('returns undefined from findOne when nothing matches', async () => {
    await db.boot([Account])
    await seed()
    expect(await Account.findOne({ where: { name: 'Zed' } })).toBeUndefined()
    expect(await Account.findOne({ where: { age: sql`> ${100}` } })).toBeUndefined()
  })

  it('finds a row by its id', async () => {
    await db.boot([Account])
    const { dee } = await seed()
    const found = await Account.findById(dee.id)
    expect(found).toBe(dee)
    expect(found?.name).toBe('Dee')
    expect(found?.age).toBe(18)
  })

  it('returns undefined from findById for a missing id', async () => {
    await db.boot([Account])
    await seed()
    expect(await Account.findById(999_999)).toBeUndefined()
  })

  it('counts all rows and the rows that match', async () => {
    await db.boot([Account])
    await seed()
    expect(await Account.count()).toBe(5)
    expect(await Account.count({ where: { active: true } })).toBe(3)
    expect(
      await Account.count({ where: { email: sql`LIKE ${'%@gmail.com'}`, age: sql`>= ${18}` } }),
    ).toBe(1)
    expect(await Account.count({ where: { email: null } })).toBe(2)
  })

  it('sees a pending insert, because find flushes first', async () => {
    await db.boot([Account], { autoFlush: false })
    await seed()
    new Account('Fay', 22, undefined, 3, true)
    expect(names(await Account.find({ where: { age: 22 } }))).toEqual(['Fay'])
    const [row] = await ORM.query('SELECT COUNT(*) AS n FROM account')
    expect(Number(row?.n)).toBe(6)
  })

  it('rejects an unknown where key at compile time and at run time', async () => {
    await db.boot([Account])
    await seed()
    const before = await tableRows()
    // @ts-expect-error: Account has no property 'nickname'
    const failure = Account.find({ where: { nickname: 'Ann' } })
    await expect(failure).rejects.toBeInstanceOf(ValidationError)
    await expect(failure).rejects.toThrow(/Account has no mapped property 'nickname'/)
    expect(await tableRows()).toEqual(before)
  })

  it('validates a bad query before it flushes pending changes', async () => {
    await db.boot([Account], { autoFlush: false })
    await seed()
    const fay = new Account('Fay', 22, undefined, 3, true)
    await expect(Account.find(untyped({ where: { age: 'twenty' } }))).rejects.toBeInstanceOf(
      ValidationError,
    )
    // An INT id is assigned when the insert commits: none means no flush ran.
    expect(fay.id).toBeUndefined()
    expect(await Account.count()).toBe(6)
    expect(fay.id).toBeDefined()
  })

  const badInputs: { described: string; call: () => Promise<unknown>; mentions: RegExp[] }[] = [
    {
      described: 'an unknown orderBy key',
      call: () => Account.find(untyped({ orderBy: { nickname: 'asc' } })),
      mentions: [/Account/, /'nickname'/],
    },
    {
      described: 'a string for an integer column',
      call: () => Account.find(untyped({ where: { age: '30' } })),
      mentions: [/Account\.age/, /"30"/],
    },
    {
      described: 'a string inside an IN list for an integer column',
      call: () => Account.find(untyped({ where: { age: [30, '17'] } })),
      mentions: [/Account\.age/, /"17"/],
    },
    {
      described: 'a fraction for an integer column',
      call: () => Account.count({ where: { age: 30.5 } }),
      mentions: [/Account\.age/],
    },
    {
      described: 'a number for a boolean column in findOne',
      call: () => Account.findOne(untyped({ where: { active: 1 } })),
      mentions: [/Account\.active/],
    },
    {
      described: 'an undefined where value',
      call: () => Account.find({ where: { name: undefined } }),
      mentions: [/Account\.name/, /undefined/],
    },
    {
      described: 'an undefined where value in count',
      call: () => Account.count({ where: { email: undefined } }),
      mentions: [/Account\.email/, /undefined/],
    },
    {
      described: 'an unknown where key in count',
      call: () => Account.count(untyped({ where: { nickname: 'Ann' } })),
      mentions: [/Account/, /'nickname'/],
    },
    {
      described: 'a bad orderBy direction',
      call: () => Account.find(untyped({ orderBy: { age: 'up' } })),
      mentions: [/Account/, /age/, /"up"/],
    },
    {
      described: 'a negative limit',
      call: () => Account.find({ limit: -1 }),
      mentions: [/Account/, /limit/],
    },
    {
      described: 'a fractional limit',
      call: () => Account.find({ limit: 1.5 }),
      mentions: [/Account/, /limit/],
    },
    {
      described: 'a negative offset',
      call: () => Account.find({ offset: -2 }),
      mentions: [/Account/, /offset/],
    },
    {
      described: 'a value for a json column',
      call: () => Account.find(untyped({ where: { tags: ['a'] } })),
      mentions: [/Account\.tags/],
    },
    {
      described: 'a string id for an INT class in findById',
      call: () => Account.findById('1'),
      mentions: [/Account/, /"1"/],
    },
  ]

  for (const { described, call, mentions } of badInputs) {
    it(`rejects ${described} with a ValidationError and leaves the table as it was`, async () => {
      await db.boot([Account])
      await seed()
      const before = await tableRows()
      const failure = call()
      await expect(failure).rejects.toBeInstanceOf(ValidationError)
      for (const mention of mentions) await expect(failure).rejects.toThrow(mention)
      expect(await tableRows()).toEqual(before)
    })
  }

  it('treats a quote-laden equality value as data', async () => {
    await db.boot([Account])
    await seed()
    const before = await tableRows()
    expect(await Account.find({ where: { name: EVIL } })).toEqual([])
    expect(await Account.count({ where: { name: [EVIL, 'Ann'] } })).toBe(1)
    expect(await tableRows()).toEqual(before)
    const mallory = new Account(EVIL, 40, EVIL, 0, true)
    await ORM.flush()
    expect(await Account.find({ where: { name: EVIL } })).toEqual([mallory])
    expect(await Account.count()).toBe(6)
  })

  it('treats a quote-laden value bound in a sql fragment as data', async () => {
    await db.boot([Account])
    await seed()
    const before = await tableRows()
    expect(await Account.find({ where: { name: sql`= ${EVIL}` } })).toEqual([])
    expect(await Account.find({ where: { email: sql`LIKE ${`%${EVIL}%`}` } })).toEqual([])
    expect(await Account.count({ where: { name: sql`# = ${EVIL} OR # = ${'Ann'}` } })).toBe(1)
    expect(await tableRows()).toEqual(before)
  })

  const badFragments: { described: string; make: () => unknown }[] = [
    { described: "';'", make: () => sql`= 1; DROP TABLE account` },
    { described: "'--'", make: () => sql`= 1 -- the rest is ignored` },
    { described: "'/*'", make: () => sql`= 1 /* comment */` },
    { described: "a '?' placeholder", make: () => sql`= ?` },
    { described: "a '$1' placeholder", make: () => sql`= $1` },
  ]

  for (const { described, make } of badFragments) {
    it(`refuses a sql fragment containing ${described}`, async () => {
      await db.boot([Account])
      await seed()
      const before = await tableRows()
      expect(make).toThrow(ValidationError)
      expect(await tableRows()).toEqual(before)
    })
  }

  it('refuses sql called as a plain function', async () => {
    await db.boot([Account])
    await seed()
    const before = await tableRows()
    expect(() => (sql as any)(['1=1'])).toThrow(ValidationError)
    expect(() => (sql as any)(Object.assign(['1=1 OR 1'], { raw: ['1=1 OR 1'] }))).toThrow(
      ValidationError,
    )
    expect(() => (sql as any)('= 1')).toThrow(ValidationError)
    expect(await tableRows()).toEqual(before)
  })
})
