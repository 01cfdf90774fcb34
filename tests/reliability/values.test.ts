import { expect, it } from 'vitest'
import { Column, Entity, ORM, SoftDel, sql, ValidationError } from '../../lib/index.js'
import { describeEachDialect } from '../support/dialects.js'

// Values that one database or the other would refuse (or store differently) are refused by the ORM
// itself, before any SQL, with a ValidationError naming Class.property and the row.
class Probe extends Entity {
  @Column({ nullable: true }) label?: string
  @Column({ type: 'bigint', nullable: true }) big?: bigint
  @Column({ nullable: true }) at?: Date
  @Column({ type: 'json', nullable: true }) doc?: unknown
}

class Archived extends SoftDel {
  @Column() title: string
}

type Bad = [property: 'label' | 'big' | 'at' | 'doc', value: unknown, what: string]

function dateInYear(year: number): Date {
  const date = new Date(Date.UTC(2000, 0, 1))
  date.setUTCFullYear(year)
  return date
}

const BAD_VALUES: Bad[] = [
  ['label', 'a\u0000b', 'NUL in text'],
  ['big', 2n ** 63n, 'bigint above the signed 64-bit range'],
  ['big', -(2n ** 63n) - 1n, 'bigint below the signed 64-bit range'],
  ['at', dateInYear(10000), 'a Date after the year 9999'],
  ['at', dateInYear(0), 'a Date in the year 0'],
  ['at', dateInYear(-50), 'a Date before the common era'],
  ['doc', { text: 'a\u0000b' }, 'NUL in a json string'],
  ['doc', { 'k\u0000': 1 }, 'NUL in a json key'],
  ['doc', ['ok', ['\ud800']], 'a lone high surrogate deep in json'],
  ['doc', { '\udc00x': true }, 'a lone low surrogate in a json key'],
  ['doc', 'x\udfff', 'a lone surrogate in a json string at the top'],
]

describeEachDialect('values the database would refuse', (db) => {
  for (const [property, value, what] of BAD_VALUES) {
    it(`refuses ${what} at insert, naming Class.property and the row, before any SQL`, async () => {
      const queries: string[] = []
      await db.boot([Probe], { autoFlush: false, onQuery: ({ sql }) => queries.push(sql) })
      const good = new Probe()
      good.label = 'kept'
      const probe = new Probe()
      ;(probe as unknown as Record<string, unknown>)[property] = value
      const error = await ORM.flush().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as Error).message).toContain(`Probe.${property} on a new Probe`)
      expect(queries).toEqual([])
      ;(probe as unknown as Record<string, unknown>)[property] = undefined
      await ORM.flush()
      expect(await Probe.count()).toBe(2)
    })

    it(`refuses ${what} in an update of a persisted row`, async () => {
      const queries: string[] = []
      await db.boot([Probe], { autoFlush: false, onQuery: ({ sql }) => queries.push(sql) })
      const probe = new Probe()
      await ORM.flush()
      queries.length = 0
      ;(probe as unknown as Record<string, unknown>)[property] = value
      await expect(ORM.flush()).rejects.toThrow(new RegExp(`Probe\\.${property} on Probe #${String(probe.id)}`))
      expect(queries).toEqual([])
      ;(probe as unknown as Record<string, unknown>)[property] = undefined
      await ORM.flush()
    })

    if (property !== 'doc') {
      it(`refuses ${what} in a where, before any SQL`, async () => {
        const queries: string[] = []
        await db.boot([Probe], { autoFlush: false, onQuery: ({ sql }) => queries.push(sql) })
        await expect(Probe.find({ where: { [property]: value } })).rejects.toThrow(ValidationError)
        await expect(Probe.count({ where: { [property]: [value] } })).rejects.toThrow(ValidationError)
        await expect(Probe.find({ where: { [property]: sql`= ${value}` } })).rejects.toThrow(ValidationError)
        await expect(Probe.find({ where: { [property]: sql`IN ${[value]}` } })).rejects.toThrow(ValidationError)
        expect(queries).toEqual([])
      })
    }
  }

  it('stores and reads back the values at the edges of each range', async () => {
    await db.boot([Probe], { autoFlush: false })
    const edges = [
      { big: 2n ** 63n - 1n, at: new Date('0001-01-01T00:00:00.000Z'), label: '😀 tab\t', doc: { '😀': ['\ud83d\ude00'] } },
      { big: -(2n ** 63n), at: new Date('9999-12-31T23:59:59.999Z'), label: '', doc: 'plain' },
    ]
    const probes = edges.map((values) => Object.assign(new Probe(), values))
    await ORM.flush()
    // find() refreshes the instances from their rows: what comes back is what the database stored.
    const loaded = await Probe.find()
    expect(loaded).toEqual(probes)
    expect(loaded.map(({ big, at, label, doc }) => ({ big, at, label, doc }))).toEqual(edges)
    expect(await Probe.count({ where: { big: 2n ** 63n - 1n, at: new Date('0001-01-01T00:00:00.000Z') } })).toBe(1)
  })

  it('refuses a purgeDeleted cutoff outside the years 0001 to 9999, before any SQL', async () => {
    const queries: string[] = []
    await db.boot([Archived], { onQuery: ({ sql }) => queries.push(sql) })
    await expect(Archived.purgeDeleted({ olderThan: dateInYear(10000) })).rejects.toThrow(
      /Archived\.purgeDeleted\(\{ olderThan \}\) expects a valid Date in the years 0001 to 9999/,
    )
    expect(queries).toEqual([])
  })
})
