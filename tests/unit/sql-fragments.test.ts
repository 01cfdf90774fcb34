import { describe, expect, it } from 'vitest'
import { Column, Entity, sql, SqlFragment, ValidationError } from '../../lib/index.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import { QueryCompiler } from '../../lib/query/query-compiler.js'
import { cookTemplateText } from '../../lib/query/sql.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { PostgresDialect } from '../../lib/dialect/postgres/postgres-dialect.js'

class Gadget extends Entity {
  @Column() name: string
  @Column({ type: 'integer', name: 'cost$&x' }) cost: number
  @Column({ type: 'uuid' }) ref: string
}

const meta = buildMetadata([Gadget], { entity: Entity, builtinBases: new Set() }, 'INT').forClass(Gadget)!
const sqlite = new QueryCompiler(new SqliteDialect(), () => undefined)
const postgres = new QueryCompiler(new PostgresDialect(), () => undefined)
const call = sql as unknown as (strings: unknown, ...values: unknown[]) => SqlFragment

describe('sql', () => {
  it('refuses template objects made by hand, however they are frozen', () => {
    const raw = Object.freeze(['= 1'])
    const forgeries: unknown[] = [
      ['= 1'],
      Object.freeze(['= 1']),
      Object.freeze(Object.assign(['= 1'], { raw })),
      Object.freeze(Object.assign(['= 1'], { raw: ['= 1'] })),
      Object.freeze(Object.defineProperty(['= 1'], 'raw', { value: Object.freeze(['= 2']) })),
      Object.freeze(Object.defineProperty(['= 1', ''], 'raw', { value: Object.freeze(['= 1', '']) })),
      Object.freeze(Object.assign(Object.defineProperty(['= 1'], 'raw', { value: raw }), { extra: 1 })),
      '= 1',
    ]
    for (const forged of forgeries) expect(() => call(forged), String(forged)).toThrow(/tagged template/)
  })

  it('holds a SqlFragment built directly to the same rules', () => {
    const Fragment = SqlFragment as unknown as new (strings: unknown, values: unknown[]) => SqlFragment
    expect(() => new Fragment(['= 1 OR 1 = 1'], [])).toThrow(/tagged template/)
  })

  it('accepts real template literals, escapes included, and checks each call site once', () => {
    const make = (value: string): SqlFragment => sql`LIKE ${value} ESCAPE '\\'`
    expect(make('a').strings).toEqual(['LIKE ', " ESCAPE '\\'"])
    expect(make('b').strings).toBe(make('c').strings)
    expect(sql`= \u{1F600}\x41\u0042\n`.strings).toEqual(['= 😀AB\n'])
  })

  it('cooks raw template text as the engine does', () => {
    expect(cookTemplateText('a\\tb\\\\c\\`\\$\\{')).toBe('a\tb\\c`${')
    expect(cookTemplateText('\\0')).toBe('\0')
    expect(cookTemplateText('x\\\ny')).toBe('xy')
    expect(cookTemplateText('\\01')).toBeUndefined()
    expect(cookTemplateText('\\u{110000}')).toBeUndefined()
    expect(cookTemplateText('\\xZ')).toBeUndefined()
  })

  it('refuses parameter markers of every dialect and dollar quoting', () => {
    const refused: [() => SqlFragment, string][] = [
      [() => sql`= ?`, "'?', a placeholder"],
      [() => sql`= ?1`, "'?'"],
      [() => sql`= $1`, "'$1'"],
      [() => sql`= $name`, "'$n'"],
      [() => sql`= $$x$$`, "'$$'"],
      [() => sql`= $q$x$q$`, "'$q'"],
      [() => sql`= :name`, "':n', a :name parameter"],
      [() => sql`= :1`, "':1'"],
      [() => sql`= @name`, "'@n', an @name parameter"],
      [() => sql`= :é`, "':é'"],
      [() => sql`= $${1}`, "'$v'"],
      [() => sql`= :${1}`, "':v'"],
      [() => sql`= 1; DROP TABLE x`, "';'"],
      [() => sql`= 1 -- x`, "'--'"],
      [() => sql`= 1 /* x */`, "'/*'"],
    ]
    for (const [make, message] of refused) {
      expect(make).toThrow(ValidationError)
      expect(make).toThrow(message)
    }
  })

  it('allows PostgreSQL casts and operators that look like markers but are not', () => {
    expect(() => sql`#::text = ${'1'}`).not.toThrow()
    expect(() => sql`# @> ${'{}'}`).not.toThrow()
    expect(() => sql`# ~ ${'^a'} AND # LIKE ${'%$'}`).not.toThrow()
  })
})

describe('fragments in the compiler', () => {
  it('binds a list after IN as one array parameter on PostgreSQL, typed by the left operand', () => {
    const query = postgres.select(meta, { where: { cost: sql`# IN ${[1, 2, 3]} OR # NOT IN ${[4n]}` } })
    expect(query.text).toContain('WHERE ("cost$&x" = ANY($1) OR "cost$&x" <> ALL($2))')
    expect(query.params).toEqual([[1, 2, 3], ['4']])
  })

  it('binds a list after IN as one JSON parameter on SQLite', () => {
    const query = sqlite.select(meta, { where: { name: sql`NOT IN ${['a', 'b"']}`, cost: sql`IN ${[true, new Date(5)]}` } })
    expect(query.text).toContain(
      'WHERE "name" NOT IN (SELECT value FROM json_each(?)) AND "cost$&x" IN (SELECT value FROM json_each(?))',
    )
    expect(query.params).toEqual(['["a","b\\""]', '[1,5]'])
  })

  it('lower-cases uuid values bound for a uuid column, alone or in a list', () => {
    const upper = 'ABCDEF00-0000-0000-0000-00000000000A'
    for (const compiler of [sqlite, postgres]) {
      const query = compiler.select(meta, { where: { ref: OR_UUID(upper) } })
      expect(JSON.stringify(query.params)).not.toMatch(/[A-F]/)
    }
    expect(sqlite.select(meta, { where: { ref: sql`IN ${[upper]}` } }).params).toEqual([`["${upper.toLowerCase()}"]`])
    expect(postgres.select(meta, { where: { ref: upper } }).params).toEqual([upper.toLowerCase()])
  })

  it('refuses a value either database would refuse inside a fragment', () => {
    expect(() => sqlite.select(meta, { where: { name: sql`= ${'a\u0000'}` } })).toThrow(/A value inside sql`` for Gadget.name/)
    expect(() => postgres.select(meta, { where: { cost: sql`IN ${[2n ** 70n]}` } })).toThrow(ValidationError)
  })
})

function OR_UUID(upper: string): SqlFragment {
  return sql`= ${upper} OR # IN ${[upper]}`
}
