import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { afterEach, expect, it } from 'vitest'
import {
  Column,
  Entity,
  ORM,
  ValidationError,
  type BootOptions,
  type EntityClass,
} from '../../lib/index.js'
import { describeEachDialect, type DialectContext } from '../support/dialects.js'

class Sample extends Entity {
  @Column() label: string
  @Column({ type: 'integer' }) count: number
  @Column({ type: 'bigint' }) big: bigint
  @Column() ratio: number
  @Column() active: boolean
  @Column() happenedAt: Date
  @Column({ type: 'json' }) data: unknown
  @Column({ type: 'uuid' }) ref: string

  constructor(values: SampleValues) {
    super()
    this.label = values.label
    this.count = values.count
    this.big = values.big
    this.ratio = values.ratio
    this.active = values.active
    this.happenedAt = values.happenedAt
    this.data = values.data
    this.ref = values.ref
  }
}

type SampleValues = Pick<
  Sample,
  'label' | 'count' | 'big' | 'ratio' | 'active' | 'happenedAt' | 'data' | 'ref'
>

class Optional extends Entity {
  @Column({ type: 'text', nullable: true }) label?: string
  @Column({ type: 'integer', nullable: true }) count?: number
  @Column({ type: 'bigint', nullable: true }) big?: bigint
  @Column({ type: 'real', nullable: true }) ratio?: number
  @Column({ type: 'boolean', nullable: true }) active?: boolean
  @Column({ type: 'date', nullable: true }) happenedAt?: Date
  @Column({ type: 'json', nullable: true }) data?: unknown
  @Column({ type: 'uuid', nullable: true }) ref?: string
}

const OPTIONAL_PROPERTIES = [
  'label',
  'count',
  'big',
  'ratio',
  'active',
  'happenedAt',
  'data',
  'ref',
] as const

class Counter extends Entity {
  @Column() name: string
  @Column({ type: 'integer' }) visits = 0
  @Column() title: string = 'untitled'
  @Column({ type: 'json' }) tags: string[] = []

  constructor(name: string) {
    super()
    this.name = name
  }
}

class IntThing extends Entity {
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

class UuidThing extends Entity {
  static ormClassSettings_ = { idType: 'UUID' }
  @Column() name: string
  constructor(name: string) {
    super()
    this.name = name
  }
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

function sampleValues(overrides: Partial<SampleValues> = {}): SampleValues {
  return {
    label: 'sample',
    count: 1,
    big: 1n,
    ratio: 1.5,
    active: true,
    happenedAt: new Date('2024-05-06T07:08:09.010Z'),
    data: { kind: 'sample' },
    ref: '0190b5a4-7c1e-7d2f-9a3b-4c5d6e7f8091',
    ...overrides,
  }
}

const sharedMemoryDatabases: Database.Database[] = []

afterEach(async () => {
  await ORM.close().catch(() => undefined)
  for (const database of sharedMemoryDatabases.splice(0)) database.close()
})

/**
 * Boots on a database that outlives ORM.close(), so a second boot reads what the first one wrote.
 * An in-memory SQLite database is handed over as an open Database, which close() leaves open.
 */
async function bootDurable(
  db: DialectContext,
  classes: readonly EntityClass[],
  options: BootOptions = {},
) {
  const memory = db.name === 'sqlite-memory' ? new Database(':memory:') : undefined
  if (memory) sharedMemoryDatabases.push(memory)
  const target = (): BootOptions => (memory ? { sqlite: memory } : db.connectionOptions())
  await db.boot(classes, { ...options, ...(memory ? { sqlite: memory } : {}) })
  return {
    /** Boots again on the same data after ORM.close(): values now come from the database. */
    reopen: () => ORM.boot(classes, { ...options, ...target() }),
    /** Closes (flushing) and boots again on the same data. */
    async reload() {
      await ORM.close()
      await ORM.boot(classes, { ...options, ...target() })
    },
  }
}

/** Writes one Sample per value of the property, re-boots, and returns the values read back, in id order. */
async function roundTrip<K extends keyof SampleValues>(
  db: DialectContext,
  property: K,
  values: SampleValues[K][],
) {
  const store = await bootDurable(db, [Sample])
  const written = values.map((value) => new Sample(sampleValues({ [property]: value })))
  await ORM.flush()
  await store.reload()
  const loaded = await Sample.find()
  // New instances of a new boot: the values were decoded from the database, not kept in memory.
  for (const sample of loaded) expect(written).not.toContain(sample)
  return loaded.map((sample) => sample[property])
}

describeEachDialect('column types', (db) => {
  it('round-trips text, including empty, quoted and unicode strings', async () => {
    const values = [
      '',
      'hello',
      `it's "quoted" \\ back\\slash`,
      'ünïcødé 日本語 🎉',
      'line\nbreak\ttab',
      'x'.repeat(10_000),
    ]
    expect(await roundTrip(db, 'label', values)).toEqual(values)
  })

  it('round-trips integers as JavaScript numbers', async () => {
    const values = [0, 1, -1, 2_147_483_647, -2_147_483_648]
    const loaded = await roundTrip(db, 'count', values)
    expect(loaded).toEqual(values)
    for (const value of loaded) expect(typeof value).toBe('number')
  })

  it('round-trips bigints beyond 2^53 without losing precision', async () => {
    const values = [
      0n,
      9_007_199_254_740_993n,
      -9_007_199_254_740_993n,
      9_223_372_036_854_775_807n,
      -9_223_372_036_854_775_808n,
    ]
    const loaded = await roundTrip(db, 'big', values)
    expect(loaded).toEqual(values)
    for (const value of loaded) expect(typeof value).toBe('bigint')
  })

  it('round-trips reals exactly', async () => {
    const values = [
      1.5,
      -0.25,
      0,
      0.1 + 0.2,
      1e-10,
      123_456_789.123_456_78,
      Number.MAX_SAFE_INTEGER + 2,
    ]
    expect(await roundTrip(db, 'ratio', values)).toEqual(values)
  })

  it('round-trips booleans as true and false', async () => {
    const loaded = await roundTrip(db, 'active', [true, false])
    expect(loaded).toStrictEqual([true, false])
  })

  it('round-trips dates as Date instances with millisecond precision', async () => {
    const values = [
      new Date('2024-02-29T23:59:59.123Z'),
      new Date(0),
      new Date('1969-07-20T20:17:40.001Z'),
      new Date('2999-12-31T23:59:59.999Z'),
      new Date(1_700_000_000_007),
    ]
    const loaded = await roundTrip(db, 'happenedAt', values)
    for (const value of loaded) expect(value).toBeInstanceOf(Date)
    expect(loaded.map((date) => date.getTime())).toEqual(values.map((date) => date.getTime()))
  })

  it('round-trips json objects, arrays, nested values and tricky strings', async () => {
    const values: unknown[] = [
      { name: 'Ann', age: 30, admin: false, manager: null },
      [1, 'two', null, true, { three: 3 }],
      { a: { b: { c: [1, [2, [3, { d: 'deep' }]]] } } },
      {
        quote: `it's "quoted"`,
        backslash: 'a\\b',
        braces: '{"not": "json"}',
        unicode: 'ünï 日本 🎉',
        empty: '',
      },
      ['{', '}', '"', ',', 'NULL', 'a b'],
      [],
      {},
      'a plain "string"',
      42.5,
    ]
    expect(await roundTrip(db, 'data', values)).toEqual(values)
  })

  it('round-trips uuid columns', async () => {
    const values = [randomUUID(), randomUUID(), '00000000-0000-0000-0000-000000000000']
    expect(await roundTrip(db, 'ref', values)).toEqual(values)
  })

  it('reads a uuid written in uppercase back in the canonical lowercase form on every dialect', async () => {
    const store = await bootDurable(db, [Sample])
    const upper = 'ABCDEF01-2345-4678-9ABC-DEF012345678'
    new Sample(sampleValues({ ref: upper }))
    await ORM.flush()
    await store.reload()
    const [loaded] = await Sample.find()
    expect(loaded?.ref).toBe(upper.toLowerCase())
    expect(await Sample.count({ where: { ref: upper.toLowerCase() } })).toBe(1)
    expect(await Sample.count({ where: { ref: upper } })).toBe(1)
  })

  it('finds a row by equality and by IN list on each non-json column type', async () => {
    await db.boot([Sample])
    const first = new Sample(
      sampleValues({
        label: 'first',
        count: 7,
        big: 9_007_199_254_740_993n,
        ratio: -0.25,
        active: false,
        happenedAt: new Date('2020-01-01T00:00:00.001Z'),
        ref: randomUUID(),
      }),
    )
    new Sample(
      sampleValues({
        big: 9_007_199_254_740_992n,
        happenedAt: new Date('2020-01-01T00:00:00.002Z'),
        ref: randomUUID(),
      }),
    )
    await ORM.flush()
    const properties = ['label', 'count', 'big', 'ratio', 'active', 'happenedAt', 'ref'] as const
    for (const property of properties) {
      const value = first[property]
      const byValue = await Sample.find({ where: { [property]: value } })
      expect(byValue, `where ${property} = value`).toEqual([first])
      const byList = await Sample.find({ where: { [property]: [value] } })
      expect(byList, `where ${property} IN [value]`).toEqual([first])
    }
  })

  it('reads unset nullable columns back as undefined and stores NULL', async () => {
    const store = await bootDurable(db, [Optional])
    new Optional()
    await ORM.flush()
    await store.reload()
    const [loaded] = await Optional.find()
    expect(loaded).toBeDefined()
    for (const property of OPTIONAL_PROPERTIES) expect(loaded?.[property], property).toBeUndefined()
    const [raw] = await ORM.query(`SELECT * FROM ${ORM.tableOf(Optional)}`)
    for (const column of [
      'label',
      'count',
      'big',
      'ratio',
      'active',
      'happened_at',
      'data',
      'ref',
    ]) {
      expect(raw?.[column], column).toBeNull()
    }
  })

  it('matches NULL columns with a null where value', async () => {
    await db.boot([Optional])
    const empty = new Optional()
    const full = new Optional()
    full.label = 'x'
    full.count = 1
    full.big = 2n
    full.ratio = 0.5
    full.active = false
    full.happenedAt = new Date(5)
    full.data = { x: 1 }
    full.ref = randomUUID()
    await ORM.flush()
    for (const property of OPTIONAL_PROPERTIES) {
      expect(await Optional.find({ where: { [property]: null } }), property).toEqual([empty])
      expect(await Optional.count({ where: { [property]: null } }), property).toBe(1)
    }
  })

  it('stores NULL when a nullable property is set back to undefined or null', async () => {
    const store = await bootDurable(db, [Optional])
    const cleared = new Optional()
    cleared.label = 'set'
    cleared.happenedAt = new Date(1000)
    cleared.data = ['x']
    cleared.big = 3n
    await ORM.flush()
    cleared.label = undefined
    cleared.happenedAt = undefined
    ;(cleared as { data: unknown }).data = null
    ;(cleared as { big: unknown }).big = null
    await ORM.flush()
    await store.reload()
    const [loaded] = await Optional.find()
    expect(loaded?.label).toBeUndefined()
    expect(loaded?.happenedAt).toBeUndefined()
    expect(loaded?.data).toBeUndefined()
    expect(loaded?.big).toBeUndefined()
    expect(
      await Optional.count({ where: { label: null, happenedAt: null, data: null, big: null } }),
    ).toBe(1)
  })

  it('persists the values of property initializers when the constructor leaves them alone', async () => {
    const store = await bootDurable(db, [Counter])
    new Counter('home')
    await ORM.flush()
    await store.reload()
    const [loaded] = await Counter.find()
    expect(loaded?.name).toBe('home')
    expect(loaded?.visits).toBe(0)
    expect(loaded?.title).toBe('untitled')
    expect(loaded?.tags).toEqual([])
    const [raw] = await ORM.query(`SELECT visits, title FROM ${ORM.tableOf(Counter)}`)
    expect(Number(raw?.visits)).toBe(0)
    expect(raw?.title).toBe('untitled')
  })

  it('tracks assignments to a property that had an initializer', async () => {
    const store = await bootDurable(db, [Counter])
    const counter = new Counter('home')
    counter.title = 'changed before the first flush'
    await ORM.flush()
    counter.visits = 3
    counter.tags = ['a', 'b']
    await ORM.flush()
    await store.reload()
    const [loaded] = await Counter.find()
    expect(loaded?.title).toBe('changed before the first flush')
    expect(loaded?.visits).toBe(3)
    expect(loaded?.tags).toEqual(['a', 'b'])
  })

  it('gives INT ids as JavaScript numbers assigned at the first flush', async () => {
    const store = await bootDurable(db, [IntThing])
    const ann = new IntThing('ann')
    const bob = new IntThing('bob')
    expect(ann.id).toBeUndefined()
    await ORM.flush()
    expect(typeof ann.id).toBe('number')
    expect(Number.isSafeInteger(ann.id)).toBe(true)
    expect(bob.id).toBeGreaterThan(ann.id as number)
    const bobId = bob.id
    await store.reload()
    const loaded = await IntThing.findById(bobId)
    expect(loaded?.name).toBe('bob')
    expect(loaded?.id).toBe(bobId)
    expect(typeof loaded?.id).toBe('number')
  })

  it('gives BIGINT ids as JavaScript bigints', async () => {
    const store = await bootDurable(db, [IntThing], { idTypeDefault: 'BIGINT' })
    const ann = new IntThing('ann')
    const bob = new IntThing('bob')
    await ORM.flush()
    expect(typeof ann.id).toBe('bigint')
    expect(typeof bob.id).toBe('bigint')
    expect(bob.id > ann.id).toBe(true)
    const bobId = bob.id
    await store.reload()
    const loaded = await IntThing.findById(bobId)
    expect(loaded?.name).toBe('bob')
    expect(loaded?.id).toBe(bobId)
    expect(typeof loaded?.id).toBe('bigint')
  })

  it('gives UUID ids as UUIDv7 strings that exist before the first flush', async () => {
    const store = await bootDurable(db, [UuidThing])
    const ann = new UuidThing('ann')
    const bob = new UuidThing('bob')
    const annId = ann.id
    expect(typeof annId).toBe('string')
    expect(annId).toMatch(UUID_V7)
    expect((annId as string)[14]).toBe('7')
    expect(bob.id).toMatch(UUID_V7)
    expect(bob.id).not.toBe(annId)
    await ORM.flush()
    expect(ann.id).toBe(annId)
    await store.reload()
    const loaded = await UuidThing.findById(annId)
    expect(loaded?.name).toBe('ann')
    expect(loaded?.id).toBe(annId)
    const [raw] = await ORM.query(`SELECT id FROM ${ORM.tableOf(UuidThing)} WHERE name = 'bob'`)
    expect(raw?.id).toBe(bob.id)
  })

  const wrongValues: { property: keyof SampleValues; value: () => unknown; described: string }[] = [
    { property: 'label', value: () => 42, described: 'a number in a text column' },
    { property: 'count', value: () => '3', described: 'a string in an integer column' },
    { property: 'count', value: () => 1.5, described: 'a fraction in an integer column' },
    { property: 'count', value: () => 2 ** 40, described: 'a number beyond 32 bits in an integer column' },
    { property: 'big', value: () => 3, described: 'a number in a bigint column' },
    { property: 'ratio', value: () => '1.5', described: 'a string in a real column' },
    { property: 'ratio', value: () => Number.NaN, described: 'NaN in a real column' },
    { property: 'active', value: () => 1, described: 'a number in a boolean column' },
    { property: 'happenedAt', value: () => '2024-01-01', described: 'a string in a date column' },
    {
      property: 'happenedAt',
      value: () => new Date('nope'),
      described: 'an invalid Date in a date column',
    },
    { property: 'data', value: () => 1n, described: 'a bigint in a json column' },
    {
      property: 'data',
      value: () => {
        const circular: Record<string, unknown> = {}
        circular.self = circular
        return circular
      },
      described: 'a circular object in a json column',
    },
    { property: 'ref', value: () => 'not-a-uuid', described: 'a non-uuid string in a uuid column' },
  ]

  for (const { property, value, described } of wrongValues) {
    it(`refuses to insert ${described}, naming Sample.${property}`, async () => {
      const store = await bootDurable(db, [Sample], { autoFlush: false })
      const sample = new Sample(sampleValues())
      ;(sample as unknown as Record<string, unknown>)[property] = value()
      const failure = ORM.flush()
      await expect(failure).rejects.toBeInstanceOf(ValidationError)
      await expect(failure).rejects.toThrow(`Sample.${property}`)
      await expect(ORM.close()).rejects.toBeInstanceOf(ValidationError)
      await ORM.discardPending()
      await ORM.close()
      await store.reopen()
      expect(await Sample.count()).toBe(0)
    })

    it(`refuses to update with ${described} and leaves the row unchanged`, async () => {
      const store = await bootDurable(db, [Sample], { autoFlush: false })
      const original = sampleValues()
      const sample = new Sample(original)
      await ORM.flush()
      ;(sample as unknown as Record<string, unknown>)[property] = value()
      const failure = ORM.flush()
      await expect(failure).rejects.toBeInstanceOf(ValidationError)
      await expect(failure).rejects.toThrow(`Sample.${property}`)
      await expect(ORM.close()).rejects.toBeInstanceOf(ValidationError)
      await ORM.discardPending()
      await ORM.close()
      await store.reopen()
      const [loaded] = await Sample.find()
      expect(loaded?.[property]).toEqual(original[property])
      expect(await Sample.count()).toBe(1)
    })
  }
})
