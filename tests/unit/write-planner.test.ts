import { describe, expect, it } from 'vitest'
import { Column, Entity, Relation, SoftDel, SoftDelUuid, ValidationError } from '../../lib/index.js'
import { PendingId, type LinkOp, type UpdateOp, type WriteOp } from '../../lib/dialect/dialect.js'
import { SqliteDialect } from '../../lib/dialect/sqlite/sqlite-dialect.js'
import { analyzeRelations } from '../../lib/graph/dependents-graph.js'
import { buildMetadata } from '../../lib/metadata/build-metadata.js'
import type { EntityMetadata } from '../../lib/metadata/entity-metadata.js'
import { planWrites, type WritePlan } from '../../lib/session/write-planner.js'
import { DETACHED, EntityState, MANAGED, NEW, STATE, type Stateful } from '../../lib/state/entity-state.js'
import { Review, Story, Tag, User } from '../support/model.js'

// Write planning on instances with hand-built state: no database, no booted ORM.

type Ref<T> = T

/** An optional reference to a class ranked after it: a new pair needs a fix-up UPDATE. */
class Hen extends Entity {
  @Column() name: string
  @Relation(() => Nest, { nullable: true }) nest?: Ref<Nest>
}

class Nest extends Entity {
  @Relation(() => Hen) hen: Hen
}

class Doc extends Entity {
  @Column() title: string
  @Column({ version: true }) version: number
}

class Writer extends SoftDel {
  @Column() name: string
}

class Draft extends SoftDel {
  @Column() title: string
  @Relation(() => Writer) writer: Writer
}

const NOW = new Date('2024-05-06T07:08:09.010Z')
const dialect = new SqliteDialect()
const nowCell = dialect.encode('date', NOW)

/**
 * The one place that builds inputs: metadata as boot builds it (with the insert order), tracked
 * instances with hand-set values, and the taken work a flush would pass to the planner.
 */
function setup(classes: readonly unknown[]) {
  const registry = buildMetadata(classes, { entity: Entity, builtinBases: new Set([SoftDel, SoftDelUuid]) }, 'INT')
  const graph = analyzeRelations(registry)
  const meta = (ctor: object): EntityMetadata => registry.forClass(ctor)!
  const inserts: Stateful[] = []
  const updates: Stateful[] = []
  const updatedSlots: Set<number>[] = []
  const slotOf = (state: EntityState, property: string): number =>
    state.meta.byProperty.get(property)?.index ?? state.meta.relationsByProperty.get(property)!.slot

  return {
    meta,
    /** A new instance, as a constructor leaves it: no id yet, pending insert. */
    create(ctor: object, values: Record<string, unknown> = {}): Stateful {
      const state = new EntityState(meta(ctor), 1, new Array<unknown>(meta(ctor).slotCount).fill(undefined), NEW)
      const entity = { [STATE]: state }
      for (const [property, value] of Object.entries(values)) state.values[slotOf(state, property)] = value
      inserts.push(entity)
      return entity
    },
    /** A persisted instance, as a find hands it out; `members` are its to-many members as loaded. */
    loaded(ctor: object, id: unknown, values: Record<string, unknown> = {}, members: Record<string, Stateful[]> = {}): Stateful {
      const state = new EntityState(meta(ctor), 1, new Array<unknown>(meta(ctor).slotCount).fill(undefined), MANAGED)
      state.values[0] = id
      for (const [property, value] of Object.entries(values)) state.values[slotOf(state, property)] = value
      for (const [property, items] of Object.entries(members)) {
        state.members ??= new Array<undefined>(state.meta.slotCount)
        state.members[slotOf(state, property)] = items
        state.values[slotOf(state, property)] = [...items]
      }
      return { [STATE]: state }
    },
    /** Assigns properties of a persisted instance and records them as its pending update. */
    change(entity: Stateful, values: Record<string, unknown>): void {
      const state = entity[STATE]
      let slots = updatedSlots[updates.indexOf(entity)]
      if (!slots) {
        updates.push(entity)
        updatedSlots.push((slots = new Set()))
      }
      for (const [property, value] of Object.entries(values)) {
        state.values[slotOf(state, property)] = value
        slots.add(slotOf(state, property))
      }
    },
    plan(): WritePlan {
      return planWrites(dialect, graph, { inserts, updates, updatedSlots }, NOW)
    },
  }
}

/** An op's rows keyed by column property (the cells after the columns, such as an update's id, under `_`). */
function rowsOf(op: WriteOp | undefined): Record<string, unknown>[] {
  if (!op || op.kind !== 'insert' && op.kind !== 'update') throw new Error(`not an insert or update: ${op?.kind}`)
  return op.rows.map((row) => {
    const cells: Record<string, unknown> = Object.fromEntries(op.columns.map((column, c) => [column.property, row[c]]))
    if (row.length > op.columns.length) cells._ = row.slice(op.columns.length)
    return cells
  })
}

function summary(plan: WritePlan): string[] {
  return plan.ops.map((op) =>
    op.kind === 'insert' || op.kind === 'update'
      ? `${op.kind} ${op.meta.className} (${op.columns.map((column) => column.property).join(', ')}) x${op.rows.length}`
      : `${op.kind} ${op.junction.tableName} x${op.rows.length}`,
  )
}

describe('planWrites: inserts', () => {
  it('inserts referenced classes first, whatever order the instances were created in', () => {
    const w = setup([Review, Story, Tag, User])
    const ann = w.loaded(User, 1, { username: 'ann' })
    const story = w.create(Story, { title: 'hello', createdBy: ann })
    w.create(Review, { createdBy: ann, approvedBy: ann, story })
    const bob = w.create(User, { username: 'bob' })
    w.create(Story, { title: 'second', createdBy: bob })
    w.create(Tag, { name: 'news' })
    expect(summary(w.plan())).toEqual([
      'insert Tag (createdAt, updatedAt, name) x1',
      'insert User (createdAt, updatedAt, username) x1',
      'insert Story (createdAt, updatedAt, title, createdBy, editor) x2',
      'insert Review (createdAt, updatedAt, createdBy, approvedBy, story) x1',
    ])
  })

  it('refers to a row inserted by an earlier op of the same write with a PendingId, and to a persisted row by its id', () => {
    const w = setup([User, Tag, Story, Review])
    const ann = w.loaded(User, 7, { username: 'ann' })
    const bob = w.create(User, { username: 'bob' })
    w.create(Story, { title: 'one', createdBy: ann })
    w.create(Story, { title: 'two', createdBy: bob, editor: ann })
    const plan = w.plan()
    expect(plan.ops.map((op) => op.hasPendingIds)).toEqual([false, true])
    expect(rowsOf(plan.ops[0])).toEqual([{ createdAt: nowCell, updatedAt: nowCell, username: 'bob' }])
    expect(rowsOf(plan.ops[1])).toEqual([
      { createdAt: nowCell, updatedAt: nowCell, title: 'one', createdBy: 7, editor: null },
      { createdAt: nowCell, updatedAt: nowCell, title: 'two', createdBy: new PendingId(0, 0, 'integer'), editor: 7 },
    ])
    expect(plan.insertGroups.map(([meta, entities]) => [meta.className, entities.length])).toEqual([
      ['User', 1],
      ['Story', 2],
    ])
  })

  it('writes NULL for an optional reference to a row inserted later, then sets it with a fix-up UPDATE', () => {
    const w = setup([Nest, Hen])
    const hen = w.create(Hen, { name: 'henny' })
    const nest = w.create(Nest, { hen })
    hen[STATE].values[w.meta(Hen).byProperty.get('nest')!.index] = nest
    const plan = w.plan()
    expect(summary(plan)).toEqual(['insert Hen (createdAt, updatedAt, name, nest) x1', 'insert Nest (createdAt, updatedAt, hen) x1', 'update Hen (nest) x1'])
    expect(rowsOf(plan.ops[0])[0]?.nest).toBeNull()
    expect(rowsOf(plan.ops[1])[0]?.hen).toEqual(new PendingId(0, 0, 'integer'))
    // The fix-up row sets the reference to the later row's id, on the earlier row's id.
    expect((plan.ops[2] as UpdateOp).rows).toEqual([[new PendingId(1, 0, 'integer'), new PendingId(0, 0, 'integer')]])
    expect(plan.ops[2]?.hasPendingIds).toBe(true)
    // A fix-up row writes no instance's pending changes.
    expect(plan.updatedBy.has(2)).toBe(false)
  })

  it('refuses a missing required value with a ValidationError that carries the instance', () => {
    const w = setup([User, Tag, Story, Review])
    const story = w.create(Story, { title: 'orphan' })
    let error: unknown
    try {
      w.plan()
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toContain('Story.createdBy')
    expect((error as ValidationError).instance).toBe(story)
  })
})

describe('planWrites: updates', () => {
  it('batches persisted instances by class and column set, and adds updatedAt and the id to each row', () => {
    const w = setup([User, Tag, Story, Review])
    const ann = w.loaded(User, 1, { username: 'ann' })
    const [one, two, three] = [10, 11, 12].map((id) => w.loaded(Story, id, { title: `t${id}`, createdBy: ann }))
    w.change(one!, { title: 'new 10' })
    w.change(two!, { editor: ann })
    w.change(three!, { title: 'new 12' })
    w.change(ann, { username: 'anne' })
    const plan = w.plan()
    expect(summary(plan)).toEqual([
      'update User (username, updatedAt) x1',
      'update Story (title, updatedAt) x2',
      'update Story (editor, updatedAt) x1',
    ])
    expect(rowsOf(plan.ops[1])).toEqual([
      { title: 'new 10', updatedAt: nowCell, _: [10] },
      { title: 'new 12', updatedAt: nowCell, _: [12] },
    ])
    expect(plan.updatedBy.get(1)).toEqual([one, three])
    expect([...plan.touched].map((meta) => meta.className).sort()).toEqual(['Story', 'User'])
  })

  it('requires and increments the loaded version of a versioned row, and starts a new row at 1', () => {
    const w = setup([Doc])
    const doc = w.loaded(Doc, 4, { title: 'draft', version: 3 })
    w.change(doc, { title: 'final' })
    w.create(Doc, { title: 'fresh' })
    const plan = w.plan()
    expect(summary(plan)).toEqual(['insert Doc (createdAt, updatedAt, title, version) x1', 'update Doc (title, updatedAt, version) x1'])
    expect(rowsOf(plan.ops[0])[0]?.version).toBe(1)
    const update = plan.ops[1] as UpdateOp
    expect(update.check).toBe(w.meta(Doc).versionColumn)
    expect(rowsOf(update)).toEqual([{ title: 'final', updatedAt: nowCell, version: 4, _: [4, 3] }])
    expect(plan.versioned).toEqual([doc])
  })

  it('leaves updatedAt alone for a soft delete, and checks live parents for a restore', () => {
    const w = setup([Writer, Draft])
    const ann = w.loaded(Writer, 1, { name: 'ann' })
    const gone = w.loaded(Draft, 2, { title: 'gone', writer: ann })
    const back = w.loaded(Draft, 3, { title: 'back', writer: ann, deletedAt: new Date(0) })
    const edited = w.loaded(Draft, 4, { title: 'edited', writer: ann })
    w.change(gone, { deletedAt: NOW })
    w.change(back, { deletedAt: undefined })
    w.change(edited, { title: 'edited again' })
    const plan = w.plan()
    expect(summary(plan)).toEqual(['update Draft (deletedAt) x1', 'update Draft (deletedAt) x1', 'update Draft (title, updatedAt) x1'])
    expect(plan.ops.map((op) => (op as UpdateOp).underLiveParents)).toEqual([false, true, false])
    expect(rowsOf(plan.ops[0])).toEqual([{ deletedAt: nowCell, _: [2] }])
    expect(rowsOf(plan.ops[1])).toEqual([{ deletedAt: null, _: [3] }])
  })
})

describe('planWrites: junction tables', () => {
  const linkOps = (plan: WritePlan): LinkOp[] => plan.ops.filter((op): op is LinkOp => op.kind !== 'insert' && op.kind !== 'update')

  it('links the members of a new instance after every insert, with PendingIds for new rows', () => {
    const w = setup([User, Tag, Story, Review])
    const ann = w.loaded(User, 1, { username: 'ann' })
    const news = w.loaded(Tag, 5, { name: 'news' })
    const fresh = w.create(Tag, { name: 'fresh' })
    const story = w.create(Story, { title: 'hello', createdBy: ann, tags: [news, fresh, news] })
    const plan = w.plan()
    expect(summary(plan)).toEqual([
      'insert Tag (createdAt, updatedAt, name) x1',
      'insert Story (createdAt, updatedAt, title, createdBy, editor) x1',
      'link story_tags x2',
    ])
    const [link] = linkOps(plan)
    expect(link?.rows).toEqual([
      [new PendingId(1, 0, 'integer'), 5],
      [new PendingId(1, 0, 'integer'), new PendingId(0, 0, 'integer')],
    ])
    expect(link?.hasPendingIds).toBe(true)
    expect(plan.memberships).toEqual([{ entity: story, slot: w.meta(Story).relationsByProperty.get('tags')!.slot, items: [news, fresh] }])
  })

  it('diffs a persisted instance against its loaded members: checks its row, unlinks the removed, links the added', () => {
    const w = setup([User, Tag, Story, Review])
    const ann = w.loaded(User, 1, { username: 'ann' })
    const [a, b, c] = [5, 6, 7].map((id) => w.loaded(Tag, id, { name: `tag ${id}` }))
    const story = w.loaded(Story, 9, { title: 'hello', createdBy: ann }, { tags: [a!, b!] })
    w.change(story, { tags: [b, c] })
    const plan = w.plan()
    // A membership change alone updates no column, but its owner's row must still exist.
    expect(summary(plan)).toEqual(['update Story () x1', 'unlink story_tags x1', 'link story_tags x1'])
    expect(rowsOf(plan.ops[0])).toEqual([{ _: [9] }])
    expect(linkOps(plan).map((op) => [op.kind, op.rows, op.hasPendingIds])).toEqual([
      ['unlink', [[9, 5]], false],
      ['link', [[9, 7]], false],
    ])
  })

  it('unlinks all and links the members when the loaded members are unknown', () => {
    const w = setup([User, Tag, Story, Review])
    const ann = w.loaded(User, 1, { username: 'ann' })
    const news = w.loaded(Tag, 5, { name: 'news' })
    const story = w.loaded(Story, 9, { title: 'hello', createdBy: ann })
    w.change(story, { tags: [news] })
    expect(linkOps(w.plan()).map((op) => [op.kind, op.rows])).toEqual([
      ['unlinkAll', [[9]]],
      ['link', [[9, 5]]],
    ])
  })

  it('does not unlink a removed member whose row was deleted since: its junction rows went with it', () => {
    const w = setup([User, Tag, Story, Review])
    const ann = w.loaded(User, 1, { username: 'ann' })
    const [kept, deleted] = [5, 6].map((id) => w.loaded(Tag, id, { name: `tag ${id}` }))
    deleted![STATE].status = DETACHED
    const story = w.loaded(Story, 9, { title: 'hello', createdBy: ann }, { tags: [kept!, deleted!] })
    w.change(story, { tags: [kept] })
    expect(summary(w.plan())).toEqual(['update Story () x1'])
  })

  it('writes junction changes after inserts and updates, in the order unlinkAll, unlink, link', () => {
    const w = setup([User, Tag, Story, Review])
    const ann = w.loaded(User, 1, { username: 'ann' })
    const [a, b] = [5, 6].map((id) => w.loaded(Tag, id, { name: `tag ${id}` }))
    const known = w.loaded(Story, 9, { title: 'known', createdBy: ann }, { tags: [a!] })
    const unknown = w.loaded(Story, 10, { title: 'unknown', createdBy: ann })
    w.create(Story, { title: 'new', createdBy: ann, tags: [b] })
    w.change(known, { title: 'renamed', tags: [b] })
    w.change(unknown, { tags: [a] })
    expect(summary(w.plan())).toEqual([
      'insert Story (createdAt, updatedAt, title, createdBy, editor) x1',
      'update Story (title, updatedAt) x1',
      'update Story () x1',
      'unlinkAll story_tags x1',
      'unlink story_tags x1',
      'link story_tags x3',
    ])
  })
})
