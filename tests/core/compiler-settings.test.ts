import { describe, expect, it } from 'vitest'
import { Column, Entity, ORM } from '../../lib/index.js'
import { importModel, transpileModel } from '../support/compiled-model.js'
import { describeEachDialect } from '../support/dialects.js'

// The entity is compiled by the real TypeScript compiler, once per `useDefineForClassFields` value,
// so the test sees exactly what tsc emits for users (vitest itself compiles tests with SWC).
const WIDGET_SOURCE = `
export function make(Entity: any, Column: any) {
  class Widget extends Entity {
    @Column() name!: string
    @Column() count: number = 0
    @Column() tags: string[] = ['new']
    constructor(name: string) {
      super()
      this.name = name
    }
  }
  return Widget
}
`

interface Widget extends Entity {
  name: string
  count: number
  tags: string[]
}

type WidgetClass = (new (name: string) => Widget) & Pick<typeof Entity, 'find' | 'findOne' | 'findById' | 'count'>

function compile(useDefineForClassFields: boolean): string {
  return transpileModel(WIDGET_SOURCE, useDefineForClassFields)
}

async function loadMake(useDefineForClassFields: boolean): Promise<(entity: unknown, column: unknown) => WidgetClass> {
  return importModel(WIDGET_SOURCE, useDefineForClassFields, 'widget')
}

const FLAGS = [true, false] as const
const makers = new Map<boolean, (entity: unknown, column: unknown) => WidgetClass>()
for (const flag of FLAGS) makers.set(flag, await loadMake(flag))

function makeWidget(useDefineForClassFields: boolean): WidgetClass {
  const make = makers.get(useDefineForClassFields)
  if (!make) throw new Error(`no compiled Widget for useDefineForClassFields=${useDefineForClassFields}`)
  return make(Entity, Column)
}

/** The widget row as raw SQL returns it, json decoded. */
async function widgetRow(id: unknown): Promise<{ name: unknown; count: unknown; tags: unknown }> {
  const placeholder = ORM.dialect === 'sqlite' ? '?' : '$1'
  const rows = await ORM.query(`SELECT name, count, tags FROM widget WHERE id = ${placeholder}`, [id])
  expect(rows).toHaveLength(1)
  const row = rows[0] as Record<string, unknown>
  return { name: row.name, count: row.count, tags: typeof row.tags === 'string' ? JSON.parse(row.tags) : row.tags }
}

describe('the compiled Widget', () => {
  it('differs between useDefineForClassFields on and off', () => {
    const defined = compile(true)
    const assigned = compile(false)
    expect(defined).toMatch(/^\s*name;$/m)
    expect(defined).toMatch(/^\s*count = 0;$/m)
    expect(assigned).not.toMatch(/^\s*name;$/m)
    expect(assigned).toContain('this.count = 0;')
    for (const output of [defined, assigned]) {
      expect(output).toContain('__metadata("design:type", Number)')
      expect(output).toContain('__metadata("design:type", Array)')
    }
  })
})

describeEachDialect('tracking under TypeScript compiler settings', (db) => {
  for (const flag of FLAGS) {
    const setting = `useDefineForClassFields ${flag ? 'on' : 'off'}`

    it(`${flag ? 'defines' : 'does not define'} own fields on a new instance with ${setting}`, async () => {
      const Widget = makeWidget(flag)
      await db.boot([Widget])
      const widget = new Widget('probe')
      expect(Object.hasOwn(widget, 'name')).toBe(flag)
      expect(Object.hasOwn(widget, 'count')).toBe(flag)
      expect(widget.name).toBe('probe')
      expect(widget.count).toBe(0)
    })

    it(`inserts a new instance with its initializers and constructor values with ${setting}`, async () => {
      const Widget = makeWidget(flag)
      await db.boot([Widget])
      const widget = new Widget('first')
      await ORM.flush()
      expect(await widgetRow(widget.id)).toEqual({ name: 'first', count: 0, tags: ['new'] })
    })

    it(`persists assignments made before the first flush with ${setting}`, async () => {
      const Widget = makeWidget(flag)
      await db.boot([Widget])
      const widget = new Widget('draft')
      widget.name = 'final'
      widget.count = 3
      widget.tags = ['x', 'y']
      await ORM.flush()
      expect(await widgetRow(widget.id)).toEqual({ name: 'final', count: 3, tags: ['x', 'y'] })
    })

    it(`persists changes to a loaded instance with ${setting}`, async () => {
      const Widget = makeWidget(flag)
      await db.boot([Widget])
      const created = new Widget('first')
      await ORM.flush()
      const loaded = await Widget.findById(created.id)
      expect(loaded).toBe(created)
      if (!loaded) return
      loaded.name = 'second'
      loaded.count = 5
      await ORM.flush()
      expect(await widgetRow(created.id)).toEqual({ name: 'second', count: 5, tags: ['new'] })
      const reloaded = await Widget.find({ where: { name: 'second', count: 5 } })
      expect(reloaded).toHaveLength(1)
      expect(reloaded[0]?.id).toBe(created.id)
      expect(await Widget.count({ where: { name: 'first' } })).toBe(0)
    })

    it(`persists later changes to the instance it created with ${setting}`, async () => {
      const Widget = makeWidget(flag)
      await db.boot([Widget])
      const widget = new Widget('first')
      await ORM.flush()
      widget.count = 7
      widget.tags.push('pushed')
      await ORM.flush()
      widget.name = 'third'
      await ORM.flush()
      expect(await widgetRow(widget.id)).toEqual({ name: 'third', count: 7, tags: ['new', 'pushed'] })
    })

    it(`stores a number-typed property in a real column with ${setting}`, async () => {
      const Widget = makeWidget(flag)
      await db.boot([Widget])
      const widget = new Widget('typed')
      widget.count = 2.5
      await ORM.flush()
      const typeQuery =
        ORM.dialect === 'sqlite'
          ? 'SELECT typeof(count) AS count_type, typeof(tags) AS tags_type FROM widget'
          : 'SELECT pg_typeof(count)::text AS count_type, pg_typeof(tags)::text AS tags_type FROM widget'
      expect(await ORM.query(typeQuery)).toEqual([
        ORM.dialect === 'sqlite'
          ? { count_type: 'real', tags_type: 'text' }
          : { count_type: 'double precision', tags_type: 'jsonb' },
      ])
      const reloaded = await Widget.findOne({ where: { count: 2.5 } })
      expect(reloaded?.id).toBe(widget.id)
      expect(typeof reloaded?.count).toBe('number')
      expect(reloaded?.count).toBe(2.5)
      expect(reloaded?.tags).toEqual(['new'])
    })
  }
})

describeEachDialect(
  'tracking under TypeScript compiler settings, across a re-boot',
  (db) => {
    for (const flag of FLAGS) {
      it(`reloads the changed values from the database with useDefineForClassFields ${flag ? 'on' : 'off'}`, async () => {
        const Widget = makeWidget(flag)
        await db.boot([Widget])
        const widget = new Widget('first')
        await ORM.flush()
        const id = widget.id
        widget.name = 'changed'
        widget.count = 4
        await ORM.flush()
        await ORM.close()
        await ORM.boot([Widget], db.connectionOptions())
        const reloaded = await Widget.findById(id)
        expect(reloaded).not.toBe(widget)
        expect(reloaded?.name).toBe('changed')
        expect(reloaded?.count).toBe(4)
        expect(typeof reloaded?.count).toBe('number')
        expect(reloaded?.tags).toEqual(['new'])
      })
    }
  },
  ['sqlite-file', 'postgres'],
)
