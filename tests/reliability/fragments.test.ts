import { expect, it } from 'vitest'
import { Column, Entity, ORM, Relation, sql, ValidationError, type SqlFragment } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

class Item extends Entity {
  @Column() name: string
  @Column({ type: 'integer' }) rank: number
  @Column({ type: 'integer', name: 'price$&x' }) price: number
  @Column({ type: 'uuid', nullable: true }) ref?: string

  constructor(name: string, rank: number, ref?: string) {
    super()
    this.name = name
    this.rank = rank
    this.price = rank * 10
    this.ref = ref
  }
}

class Badge extends Entity {
  static ormClassSettings_ = { idType: 'UUID' as const }
  @Column() label: string
  @Relation(() => Badge, { nullable: true }) parent?: Badge
}

const UPPER = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'
const LOWER = UPPER.toLowerCase()

describeEachDialect('sql fragments', (db) => {
  it('binds a list of 100,000 values after IN as one parameter', async () => {
    const queries: string[] = []
    await db.boot([Item], { onQuery: ({ sql }) => queries.push(sql) })
    const items = ['a', 'b', 'c'].map((name, i) => new Item(name, i + 1))
    await ORM.flush()
    const ids = Array.from({ length: 100_000 }, (_, i) => i + 2)
    expect(await Item.find({ where: { id: sql`IN ${ids}` } })).toEqual(items.slice(1))
    expect(await Item.find({ where: { id: sql`NOT IN ${ids}` } })).toEqual(items.slice(0, 1))
    const names = Array.from({ length: 100_000 }, (_, i) => `name ${i}`).concat('c')
    expect(await Item.count({ where: { name: sql`# IN ${names} AND # NOT IN ${['a']}` } })).toBe(1)
    const select = queries.find((text) => text.includes('NOT IN') || text.includes('<> ALL'))
    expect(select).toContain(db.isPostgres ? '"id" <> ALL($1)' : '"id" NOT IN (SELECT value FROM json_each(?))')
  })

  it('takes the type of the list from the left operand, whatever expression it is', async () => {
    await db.boot([Item])
    const [, b] = ['a', 'bb', 'ccc'].map((name, i) => new Item(name, i + 1))
    expect(await Item.find({ where: { name: sql`length(#) IN ${[2, 7]}` } })).toEqual([b])
    expect(await Item.find({ where: { rank: sql`# + 1 IN ${[3n]}` } })).toEqual([b])
  })

  it('refuses a list that does not follow IN or NOT IN, before any SQL', async () => {
    await db.boot([Item])
    await expect(Item.find({ where: { rank: sql`= ${[1, 2]}` } })).rejects.toThrow(/must follow IN or NOT IN/)
    await expect(Item.find({ where: { rank: sql`IN ${[]}` } })).rejects.toThrow(/empty list/)
    await expect(Item.find({ where: { rank: sql`IN ${[[1]]}` } })).rejects.toThrow(ValidationError)
  })

  it('puts a column whose name contains $& in place of #', async () => {
    await db.boot([Item])
    const [, b] = [new Item('a', 1), new Item('b', 2)]
    expect(await Item.find({ where: { price: sql`# > ${15} AND # < ${25}` } })).toEqual([b])
    expect(await Item.find({ where: { price: sql`> ${15}` } })).toEqual([b])
  })

  it('matches an upper-case uuid in a fragment, a list and a where value the same on both databases', async () => {
    await db.boot([Item])
    const item = new Item('a', 1, LOWER)
    await ORM.flush()
    expect(await Item.find({ where: { ref: sql`= ${UPPER}` } })).toEqual([item])
    expect(await Item.find({ where: { ref: sql`IN ${[UPPER]}` } })).toEqual([item])
    expect(await Item.find({ where: { ref: UPPER } })).toEqual([item])
    expect(await Item.find({ where: { ref: [UPPER] } })).toEqual([item])
  })

  it('reads an upper-case uuid back in lower case once flushed, from a constructor or an assignment', async () => {
    await db.boot([Item])
    const fromConstructor = new Item('a', 1, UPPER)
    const assigned = new Item('b', 2)
    assigned.ref = UPPER
    await ORM.flush()
    expect(fromConstructor.ref).toBe(LOWER)
    expect(assigned.ref).toBe(LOWER)
    assigned.ref = UPPER.replace('A0', 'B0')
    await ORM.flush()
    expect(assigned.ref).toBe(LOWER.replace('a0', 'b0'))
    const rows = await ORM.query('SELECT ref FROM item ORDER BY id')
    expect(rows.map((row) => String(row.ref))).toEqual([LOWER, LOWER.replace('a0', 'b0')])
  })

  it('finds a uuid id and a uuid reference given in upper case', async () => {
    await db.boot([Badge])
    const root = Object.assign(new Badge(), { label: 'root' })
    const child = Object.assign(new Badge(), { label: 'child', parent: root })
    await ORM.flush()
    const upperId = String(root.id).toUpperCase()
    expect(await Badge.findById(upperId)).toBe(root)
    expect(await Badge.find({ where: { parent: upperId } })).toEqual([child])
    expect(await Badge.find({ where: { parent: [upperId] } })).toEqual([child])
    expect(await Badge.find({ where: { id: sql`IN ${[upperId]}` } })).toEqual([root])
  })

  it('refuses a hand-made template object, even frozen with a frozen raw', async () => {
    await db.boot([Item])
    const forged = Object.freeze(Object.assign(['= 1 OR 1 = 1'], { raw: Object.freeze(['= 1 OR 1 = 1']) }))
    const call = sql as unknown as (strings: unknown, ...values: unknown[]) => SqlFragment
    expect(() => call(forged)).toThrow(ValidationError)
    expect(() => call(['= 1'])).toThrow(/tagged template/)
    expect(await Item.count()).toBe(0)
  })

  it('refuses parameter markers and dollar quoting of either database in fragment text', async () => {
    await db.boot([Item])
    const markers: [() => SqlFragment, string][] = [
      [() => sql`= ?`, '?'],
      [() => sql`= $1`, '$1'],
      [() => sql`= :name`, ':n'],
      [() => sql`= @name`, '@n'],
      [() => sql`= $$x$$`, '$$'],
      [() => sql`= $tag$x$tag$`, '$t'],
      [() => sql`= $${'x'}`, '$v'],
    ]
    for (const [make, token] of markers) expect(make).toThrow(`contains '${token}'`)
    expect(await Item.count()).toBe(0)
  })

  it('keeps PostgreSQL casts (#::text) and escapes written in the template', async () => {
    await db.boot([Item])
    const b = new Item('b_c', 2)
    new Item('bxc', 3)
    expect(await Item.find({ where: { name: sql`LIKE ${'b\\_%'} ESCAPE '\\'` } })).toEqual([b])
    expect(await Item.find({ where: { rank: sql`CAST(# AS TEXT) = ${'2'}` } })).toEqual([b])
    if (db.isPostgres) expect(await Item.find({ where: { rank: sql`#::text = ${'2'}` } })).toEqual([b])
    else await expect(Item.find({ where: { rank: sql`#::text = ${'2'}` } })).rejects.not.toBeInstanceOf(ValidationError)
  })
})
