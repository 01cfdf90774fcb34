import { describe, expect, it } from 'vitest'
import { Column, Entity, OR, AND, sql, ValidationError } from '../../lib/index.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'

class Person extends Entity {
  @Column() name: string
  @Column({ type: 'integer' }) age: number
  @Column() bornAt: Date
  @Column({ nullable: true }) nickname?: string
}

const registry = buildMetadata([Person], { entity: Entity, builtinBases: new Set() }, 'INT')
const meta = registry.forClass(Person)!
const sqlite = new QueryCompiler(new SqliteDialect(), () => undefined)
const postgres = new QueryCompiler(new PostgresDialect(), () => undefined)
const columns = '"id", "created_at", "updated_at", "name", "age", "born_at", "nickname"'

describe('QueryCompiler', () => {
  it('selects every column ordered by id when no options are given', () => {
    expect(sqlite.select(meta).text).toBe(`SELECT ${columns} FROM "person" ORDER BY "id" ASC`)
    expect(postgres.select(meta).text).toBe(`SELECT ${columns} FROM "person" ORDER BY "id" ASC`)
  })

  it('binds equality, IS NULL and AND across keys', () => {
    const where = { name: 'Ann', nickname: null }
    expect(sqlite.select(meta, { where })).toEqual({
      text: `SELECT ${columns} FROM "person" WHERE "name" = ? AND "nickname" IS NULL ORDER BY "id" ASC`,
      params: ['Ann'],
    })
    expect(postgres.select(meta, { where }).text).toContain('WHERE "name" = $1 AND "nickname" IS NULL')
  })

  it('spells IN lists as one parameter: a JSON array on SQLite, an array on PostgreSQL', () => {
    expect(sqlite.select(meta, { where: { id: [1, 2, 3] } })).toMatchObject({
      text: expect.stringContaining('WHERE "id" IN (SELECT value FROM json_each(?))'),
      params: ['[1,2,3]'],
    })
    expect(postgres.select(meta, { where: { id: [1, 2, 3] } })).toMatchObject({
      text: expect.stringContaining('WHERE "id" = ANY($1::int4[])'),
      params: [[1, 2, 3]],
    })
  })

  it('puts the column left of a fragment without # and substitutes # otherwise', () => {
    const min = 18
    const max = 65
    const query = postgres.select(meta, { where: { age: sql`${min} <= # AND # < ${max}`, name: sql`LIKE ${'A%'}` } })
    expect(query.text).toContain('WHERE ($1 <= "age" AND "age" < $2) AND "name" LIKE $3')
    expect(query.params).toEqual([18, 65, 'A%'])
  })

  it('combines alternatives with OR and conditions with AND', () => {
    const query = sqlite.select(meta, { where: { name: OR('Ann', sql`LIKE ${'B%'}`), age: AND(sql`> 1`, sql`< ${5}`) } })
    expect(query.text).toContain('WHERE ("name" = ? OR "name" LIKE ?) AND ("age" > 1 AND "age" < ?)')
    expect(query.params).toEqual(['Ann', 'B%', 5])
  })

  it('binds the plain values of an OR as one list, before its fragments, in text order', () => {
    const query = sqlite.select(meta, { where: { name: OR(sql`LIKE ${'B%'}`, 'Ann', null, 'Bob') } })
    expect(query.text).toContain('WHERE ("name" IN (SELECT value FROM json_each(?)) OR "name" LIKE ? OR "name" IS NULL)')
    expect(query.params).toEqual(['["Ann","Bob"]', 'B%'])
    const ids = Array.from({ length: 70_000 }, (_, i) => i + 1)
    expect(postgres.select(meta, { where: { id: OR(...ids) } })).toMatchObject({
      text: expect.stringContaining('WHERE ("id" = ANY($1::int4[]))'),
      params: [ids],
    })
  })

  it('encodes dates per dialect: epoch milliseconds on SQLite, ISO text on PostgreSQL', () => {
    const day = new Date('2020-01-02T03:04:05.678Z')
    expect(sqlite.select(meta, { where: { bornAt: sql`< ${day}` } }).params).toEqual([day.getTime()])
    expect(postgres.select(meta, { where: { bornAt: day } }).params).toEqual(['2020-01-02T03:04:05.678Z'])
  })

  it('binds limit and offset and breaks orderBy ties by id', () => {
    expect(sqlite.select(meta, { orderBy: { name: 'desc' }, limit: 20, offset: 40 })).toMatchObject({
      text: expect.stringContaining('ORDER BY "name" DESC, "id" ASC LIMIT ? OFFSET ?'),
      params: [20, 40],
    })
    expect(sqlite.select(meta, { offset: 5 }).text).toContain('LIMIT -1 OFFSET ?')
    expect(postgres.select(meta, { orderBy: { name: 'asc' }, limit: 1 }).text).toContain('ORDER BY "name" ASC, "id" ASC LIMIT $1')
  })

  it('counts with the same where clause', () => {
    expect(postgres.count(meta, { age: 3 })).toEqual({ text: 'SELECT COUNT(*) FROM "person" WHERE "age" = $1', params: [3] })
  })

  it('refuses unknown keys and wrong types before building SQL', () => {
    expect(() => sqlite.select(meta, { where: { nope: 1 } })).toThrow(ValidationError)
    expect(() => sqlite.select(meta, { where: { age: 'ten' } })).toThrow(/Person\.age expects a 32-bit integer number/)
    expect(() => sqlite.select(meta, { orderBy: { age: 'sideways' } })).toThrow(/'asc' or 'desc'/)
  })
})
