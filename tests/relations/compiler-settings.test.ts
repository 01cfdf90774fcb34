import { expect, it } from 'vitest'
import { Column, Entity, ORM, Relation } from '../../lib/index.js'
import { importModel } from '../support/compiled-model.js'
import { describeEachDialect } from '../support/dialects.js'

// A model with every relation kind, compiled by the real TypeScript compiler with
// useDefineForClassFields on and off: field initializers of relations (`tags = []`, `items = []`)
// either define own properties or run the setters, and both must persist the same rows.
const MODEL_SOURCE = `
export function make(Entity: any, Column: any, Relation: any) {
  class Shelf extends Entity {
    @Column() label!: string
    @Relation(() => Box, { inverse: 'shelf' }) boxes: Box[] = []
  }
  class Label extends Entity {
    @Column() text!: string
  }
  class Box extends Entity {
    @Column() name!: string
    @Relation(() => Shelf) shelf!: Shelf
    @Relation(() => Box, { nullable: true }) inside?: Box
    @Relation(() => Label) labels: Label[] = []
  }
  return { Shelf, Label, Box }
}
`

interface Shelf extends Entity {
  label: string
  boxes: Box[]
}
interface Label extends Entity {
  text: string
}
interface Box extends Entity {
  name: string
  shelf: Shelf
  inside?: Box
  labels: Label[]
}
interface Model {
  Shelf: new () => Shelf
  Label: new () => Label
  Box: (new () => Box) & Pick<typeof Entity, 'find'>
}

async function loadModel(useDefineForClassFields: boolean): Promise<Model> {
  const make = await importModel<(...args: unknown[]) => Model>(MODEL_SOURCE, useDefineForClassFields, 'relations-model')
  return make(Entity, Column, Relation)
}

const models = new Map<boolean, Model>()
for (const flag of [true, false]) models.set(flag, await loadModel(flag))

describeEachDialect('relations compiled by tsc', (db) => {
  for (const flag of [true, false]) {
    it(`persists every relation kind with useDefineForClassFields ${flag ? 'on' : 'off'}`, async () => {
      const { Shelf, Label, Box } = models.get(flag) as Model
      await db.boot([Shelf, Label, Box])
      const shelf = Object.assign(new Shelf(), { label: 'top' })
      const red = Object.assign(new Label(), { text: 'red' })
      const outer = Object.assign(new Box(), { name: 'outer', shelf })
      const inner = Object.assign(new Box(), { name: 'inner', shelf, inside: outer })
      inner.labels.push(red)
      await ORM.flush()

      const rows = await ORM.query('SELECT b.name, b.inside_id, s.label FROM box b JOIN shelf s ON s.id = b.shelf_id ORDER BY b.id')
      expect(rows).toEqual([
        { name: 'outer', inside_id: null, label: 'top' },
        { name: 'inner', inside_id: outer.id, label: 'top' },
      ])
      expect(await ORM.query('SELECT box_id, label_id FROM box_labels')).toEqual([{ box_id: inner.id, label_id: red.id }])

      // After the first flush the arrays are tracked: a push is a pending change.
      inner.labels.splice(0, 1)
      await ORM.flush()
      expect(await ORM.query('SELECT box_id FROM box_labels')).toEqual([])
      expect(await shelf.boxes).toEqual([outer, inner])
      expect(await Box.find({ where: { shelf: { label: 'top' }, inside: outer } })).toEqual([inner])
    })
  }
})

it('emits Array as the design type of to-many relations and inverse views', () => {
  const model = models.get(true) as Model
  expect(Reflect.getMetadata('design:type', model.Box.prototype, 'labels')).toBe(Array)
  expect(Reflect.getMetadata('design:type', model.Shelf.prototype, 'boxes')).toBe(Array)
})
